export { s3ClientFromEnv } from './s3-client';
export { eraseS3Objects, S3ErasureError, type S3ObjectsOptions } from './s3-objects';
