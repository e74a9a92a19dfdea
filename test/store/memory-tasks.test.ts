import { MemoryTaskStore } from '../../src/store/memory-tasks.js';
import { taskStoreConformance } from './conformance/tasks.js';

taskStoreConformance({ name: 'memory', create: async () => new MemoryTaskStore(), dispose: async () => {} });
