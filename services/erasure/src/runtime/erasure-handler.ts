import type { CommandHandler } from '@lethe/eventstore';

import type { ErasureCommand, ErasureEvent, ErasureState } from '../request/model';

/** The erasure service's command handler: decides on a subject's erasure stream. */
export type ErasureHandler = CommandHandler<ErasureCommand, ErasureEvent, ErasureState>;
