import type { Tool } from '../tool.js';
import { cancelApprovalTool } from './cancel-approval.js';
import { checkApprovalTool } from './check-approval.js';
import { requestApprovalTool } from './request-approval.js';

export const tools: readonly Tool[] = [requestApprovalTool, checkApprovalTool, cancelApprovalTool];
