export { s3ClientFromEnv, s3EnvFrom, S3_ENV_VARIABLES } from './s3-client';
export { eraseS3Objects, S3ErasureError, type S3ObjectsOptions } from './s3-objects';
