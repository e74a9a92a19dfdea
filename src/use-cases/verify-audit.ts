import { type ChainVerdict, ChainVerifier } from '../domain/audit/chain.js';
import type { AuditLog } from '../store/ports/audit.js';

const PAGE = 1_000;

/** Walks the whole log from its anchor, page by page, and checks the chain (`looppause audit verify`). */
export async function verifyAuditLog(store: AuditLog): Promise<ChainVerdict & { anchorSeq: number }> {
  await store.sealAudit(Number.MAX_SAFE_INTEGER);
  const anchor = await store.auditAnchor();
  const verifier = new ChainVerifier(anchor);
  let cursor: string | undefined;
  for (;;) {
    const page = await store.readAudit({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
    let going = true;
    for (const entry of page.entries) {
      going = verifier.push(entry);
      if (!going) break;
    }
    if (!going || page.cursor === null) break;
    cursor = page.cursor;
  }
  return { ...verifier.verdict(await store.auditHead()), anchorSeq: anchor.seq };
}
