export { startErasureService, type ErasureService, type ErasureServiceDeps } from './service';
export { loadErasureConfig } from './config';
