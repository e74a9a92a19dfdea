import { MemoryWebhookStore } from '../../src/store/memory-webhooks.js';
import { webhookStoreConformance } from './conformance/webhooks.js';

webhookStoreConformance({
  name: 'memory',
  deadLetterLimit: 5,
  create: async () => new MemoryWebhookStore(Date.now, 5),
  dispose: async () => {},
});
