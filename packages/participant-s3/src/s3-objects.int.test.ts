import { randomBytes } from 'node:crypto';

import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

import { testServers, uniqueName } from '@lethe/test-harness';

import { s3ClientFromEnv } from './s3-client';
import { eraseS3Objects } from './s3-objects';

// Against the local stack's real S3 server (versitygw), each test run in a bucket of its own.

const task = (subjectId: string) => ({
  requestId: 'req_1',
  subjectId,
  scope: { all: true, categories: [], keep: [] },
  attempt: 1,
  deadlineAt: new Date(Date.now() + 60_000),
  signature: null,
});

describe('the S3 object-store participant', () => {
  let s3: S3Client;
  const bucket = uniqueName('erase').toLowerCase();
  const subject = `sub_${randomBytes(6).toString('hex')}`;
  // Its id starts with the subject's: a prefix without the closing slash would reach it.
  const lookalike = `${subject}0`;
  const other = `sub_${randomBytes(6).toString('hex')}`;
  const key = (subjectId: string, name: string) => `subjects/${subjectId}/${name}`;
  const put = (objectKey: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: body }));
  const versionsUnder = async (prefix: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
    return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].length;
  };

  beforeAll(async () => {
    testServers();
    if (!process.env.LETHE_S3_ENDPOINT)
      throw new Error('no object store: LETHE_S3_ENDPOINT is not set (./lethe up starts one)');
    s3 = s3ClientFromEnv(process.env);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });

  afterAll(async () => {
    const erase = eraseS3Objects({ s3, bucket });
    for (const subjectId of [subject, lookalike, other]) await erase(task(subjectId));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });

  it('deletes every version and delete marker under the subject prefix, verifies by listing, and touches nothing else', async () => {
    const first = await put(key(subject, 'avatar.png'), 'face, first');
    await put(key(subject, 'avatar.png'), 'face, second');
    await put(key(subject, 'exports/2026.json'), '{"name":"Ada"}');
    await put(key(subject, 'old.txt'), 'gone already?');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(subject, 'old.txt') })); // a marker
    await put(key(lookalike, 'notes.txt'), 'not the same subject');
    await put(key(other, 'notes.txt'), 'someone else');
    expect(await versionsUnder(`subjects/${subject}/`)).toBe(5);

    const result = await eraseS3Objects({ s3, bucket })(task(subject));

    expect(result).toEqual({
      outcome: 'erased',
      counts: { [`s3:${bucket}`]: 4 },
      verifiedEmpty: true,
      evidence: { bucket, objectVersionsDeleted: 4, deleteMarkersDeleted: 1, remainingUnderPrefix: 0 },
    });
    expect(await versionsUnder(`subjects/${subject}/`)).toBe(0);
    // Not even an older version can be fetched by its id.
    await expect(
      s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key(subject, 'avatar.png'), VersionId: first.VersionId }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: expect.any(Number) } });
    expect(await versionsUnder(`subjects/${lookalike}/`)).toBe(1);
    expect(await versionsUnder(`subjects/${other}/`)).toBe(1);

    // Idempotent: a second task finds nothing and says so.
    expect(await eraseS3Objects({ s3, bucket })(task(subject))).toMatchObject({
      outcome: 'not-found',
      verifiedEmpty: true,
    });
  });

  it('refuses a subject id that could reach outside its prefix, and a caller without valid credentials', async () => {
    await expect(eraseS3Objects({ s3, bucket })(task('../other'))).rejects.toMatchObject({
      code: 'S3_SUBJECT_ID_UNSAFE',
      retriable: false,
    });
    const stranger = s3ClientFromEnv({ ...process.env, LETHE_S3_SECRET_ACCESS_KEY: 'not-the-secret' });
    await expect(
      stranger.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'subjects/' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    stranger.destroy();
  });
});
