import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';

import type { ErasureTask, TaskResult } from '@lethe/participant';

// An erasure participant for one S3 bucket (the policy's "AWS" storage: uploads, exports,
// attachments). Every object under the subject's prefix goes, and in a versioned bucket every
// version and every delete marker too: deleting only the current version would leave the data
// one `GetObject?versionId=` away. The read-back lists versions and objects under the prefix.

export interface S3ObjectsOptions {
  s3: S3Client;
  bucket: string;
  /**
   * Where a subject's objects live. The default, `subjects/<subjectId>/`, ends with a slash so
   * that one subject's prefix is never the start of another's (`sub_1/` and `sub_10/`).
   */
  prefixOf?: (subjectId: string) => string;
}

/** S3's limit for one DeleteObjects call. */
const DELETE_BATCH = 1000;

/** Subject ids are opaque and safe in a key; anything else could reach outside its prefix. */
const SAFE_SUBJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Errors carry a stable code and never a key (keys can name files, and files people). */
export class S3ErasureError extends Error {
  override readonly name = 'S3ErasureError';

  constructor(
    readonly code: 'S3_SUBJECT_ID_UNSAFE' | 'S3_DELETE_FAILED' | 'S3_OBJECTS_REMAIN',
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

interface Version {
  readonly Key: string;
  readonly VersionId: string | undefined;
}

/** Every version and delete marker under the prefix, page by page. */
async function listVersions(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ versions: Version[]; markers: Version[] }> {
  const versions: Version[] = [];
  const markers: Version[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const v of page.Versions ?? []) if (v.Key) versions.push({ Key: v.Key, VersionId: v.VersionId });
    for (const m of page.DeleteMarkers ?? []) if (m.Key) markers.push({ Key: m.Key, VersionId: m.VersionId });
    if (!page.IsTruncated) return { versions, markers };
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

async function deleteAll(s3: S3Client, bucket: string, items: readonly Version[]): Promise<void> {
  for (let start = 0; start < items.length; start += DELETE_BATCH) {
    const batch = items.slice(start, start + DELETE_BATCH);
    const answer = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Quiet: true,
          Objects: batch.map(({ Key, VersionId }) => (VersionId ? { Key, VersionId } : { Key })),
        },
      }),
    );
    const failed = answer.Errors ?? [];
    if (failed.length > 0)
      throw new S3ErasureError(
        'S3_DELETE_FAILED',
        `${failed.length} of ${batch.length} deletes failed in bucket ${bucket} (first: ${failed[0]?.Code ?? 'unknown'})`,
        true,
      );
  }
}

/** What is left under the prefix: any version, any marker, any current object. */
async function remaining(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  const { versions, markers } = await listVersions(s3, bucket, prefix);
  const current = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  return versions.length + markers.length + (current.KeyCount ?? 0);
}

/** The participant's erase function: idempotent (a second run finds nothing and says so). */
export function eraseS3Objects(options: S3ObjectsOptions) {
  const { s3, bucket } = options;
  const prefixOf = options.prefixOf ?? ((subjectId: string) => `subjects/${subjectId}/`);
  return async ({ subjectId }: ErasureTask): Promise<TaskResult> => {
    if (!SAFE_SUBJECT_ID.test(subjectId))
      throw new S3ErasureError(
        'S3_SUBJECT_ID_UNSAFE',
        'the subject id cannot be used in an object key',
        false,
      );
    const prefix = prefixOf(subjectId);
    const { versions, markers } = await listVersions(s3, bucket, prefix);
    await deleteAll(s3, bucket, [...versions, ...markers]);
    const left = await remaining(s3, bucket, prefix);
    return {
      outcome: versions.length + markers.length > 0 ? 'erased' : 'not-found',
      counts: { [`s3:${bucket}`]: versions.length },
      verifiedEmpty: left === 0,
      evidence: {
        bucket,
        objectVersionsDeleted: versions.length,
        deleteMarkersDeleted: markers.length,
        remainingUnderPrefix: left,
      },
    };
  };
}
