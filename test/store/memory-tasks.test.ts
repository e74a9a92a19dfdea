import { MemoryTaskStore } from '../../src/store/memory-tasks.js';
import { taskStoreConformance } from './conformance/tasks.js';

taskStoreConformance((now) => ({
  name: 'memory',
  create: async () => new MemoryTaskStore(now),
  dispose: async () => {},
}));
