import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';

import { s3ClientFromEnv } from '@lethe/participant-s3';

/** S3's answers when the bucket is there already (ours, or made by a concurrent run). */
const ALREADY_THERE = new Set(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);

/**
 * `lethe buckets init`: every bucket in LETHE_OBJECT_BUCKETS exists, versioned (so a bucket's
 * history is kept, and the object-store participant is tested on the harder case). Idempotent.
 */
export async function bucketsInit(env: Record<string, string | undefined>): Promise<number> {
  const buckets = (env.LETHE_OBJECT_BUCKETS ?? '').split(',').filter(Boolean);
  if (buckets.length === 0 || !env.LETHE_S3_ENDPOINT) {
    console.log('buckets: none named (LETHE_OBJECT_BUCKETS, LETHE_S3_ENDPOINT)');
    return 0;
  }
  const s3 = s3ClientFromEnv(env);
  try {
    for (const bucket of buckets) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
        if (!ALREADY_THERE.has((error as { name?: string }).name ?? '')) throw error;
      });
      const { Status } = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      if (Status !== 'Enabled')
        await s3.send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
        );
      console.log(`bucket ${bucket}: present, versioned`);
    }
  } finally {
    s3.destroy();
  }
  return 0;
}
