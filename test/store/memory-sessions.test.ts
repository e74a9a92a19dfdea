import { MemorySessionStore } from '../../src/store/memory-sessions.js';
import { sessionsConformance } from './conformance/sessions.js';

sessionsConformance({ name: 'memory', create: async () => new MemorySessionStore(), dispose: async () => {} });
