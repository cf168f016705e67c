export { startErasureService, type ErasureService, type ErasureServiceDeps } from './service';
