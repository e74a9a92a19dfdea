import { DECISION_LINK_PATH } from '../http/secret-paths.js';
import { JobKind } from '../jobs/job-kinds.js';
import type { SurfaceFactory } from '../surfaces.js';
import { decideRouter } from './routes.js';
import { fallbackJob, sendJob } from './send.js';
import { delegateJob, escalateJob, remindJob } from './steps.js';

/** The e-mail surface: always on; SMTP when SMTP_URL is set, else `.eml` files in the outbox (main's one transport). */
export const emailSurface: SurfaceFactory = ({ config, service, store, runner, logger, mail }) => {
  const log = logger.child({ surface: 'email' });
  const deps = { config, service, store, transport: mail, logger: log };
  runner.on(JobKind.emailSend, sendJob(deps));
  runner.on(JobKind.emailFallback, fallbackJob(deps));
  runner.on(JobKind.emailRemind, remindJob(deps));
  runner.on(JobKind.emailEscalate, escalateJob(deps));
  runner.on(JobKind.emailDelegate, delegateJob(deps));
  return {
    name: 'email',
    mounts: [{ path: DECISION_LINK_PATH, router: decideRouter({ config, service, store, logger: log }) }],
  };
};
