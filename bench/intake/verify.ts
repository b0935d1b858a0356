// The intake benchmark's verification after the run: every message in the queue peeked with a
// fresh client, each batch of accepted submissions (warm-ups included) held exactly once.
import { ServiceBusClient } from "@azure/service-bus";
import type { Batch } from "./measure.js";
import { PEEK_BATCH, QUEUE } from "./settings.js";

export interface VerificationRow {
  label: string;
  accepted: number;
  messages: number;
  missing: number;
  duplicated: number;
}

export interface Verification {
  rows: VerificationRow[];
  totalMessages: number;
  totalAccepted: number;
  /** Messages whose id no batch accepted. */
  unaccounted: number;
  /** MessageIds seen more than once. */
  duplicateIds: number;
  /** Messages whose body's escalationId is not their MessageId. */
  bodyMismatches: number;
  peekMs: number;
}

export async function verifyQueue(connectionString: string, batches: readonly Batch[]): Promise<Verification> {
  const began = performance.now();
  const counts = new Map<string, number>();
  let totalMessages = 0;
  let bodyMismatches = 0;
  // A fresh client: nothing the floor's client holds or caches takes part.
  const client = new ServiceBusClient(connectionString, {
    retryOptions: { timeoutInMs: 20_000, maxRetries: 2, retryDelayInMs: 200 },
  });
  try {
    const receiver = client.createReceiver(QUEUE);
    // A receiver's peek carries on after the last message it peeked.
    for (;;) {
      const messages = await receiver.peekMessages(PEEK_BATCH);
      if (messages.length === 0) break;
      for (const message of messages) {
        const id = String(message.messageId);
        counts.set(id, (counts.get(id) ?? 0) + 1);
        totalMessages++;
        const body = message.body as { escalationId?: unknown } | undefined;
        if (body?.escalationId !== id) bodyMismatches++;
      }
    }
    await receiver.close();
  } finally {
    await client.close();
  }
  const owners = new Set<string>();
  const rows = batches.map((batch): VerificationRow => {
    let messages = 0;
    let missing = 0;
    let duplicated = 0;
    for (const id of batch.ids) {
      owners.add(id);
      const count = counts.get(id) ?? 0;
      messages += count;
      if (count === 0) missing++;
      if (count > 1) duplicated++;
    }
    return { label: batch.label, accepted: batch.ids.length, messages, missing, duplicated };
  });
  const unaccounted = [...counts.keys()].filter((id) => !owners.has(id)).length;
  const duplicateIds = [...counts.values()].filter((count) => count > 1).length;
  const totalAccepted = batches.reduce((sum, batch) => sum + batch.ids.length, 0);
  return {
    rows,
    totalMessages,
    totalAccepted,
    unaccounted,
    duplicateIds,
    bodyMismatches,
    peekMs: performance.now() - began,
  };
}

export function verificationProblems(verification: Verification): string[] {
  const problems: string[] = [];
  for (const row of verification.rows) {
    if (row.messages !== row.accepted || row.missing > 0 || row.duplicated > 0) {
      problems.push(
        `${row.label}: ${row.accepted} accepted, ${row.messages} messages (${row.missing} missing, ${row.duplicated} queued more than once)`,
      );
    }
  }
  if (verification.totalMessages !== verification.totalAccepted)
    problems.push(
      `${verification.totalMessages} messages in the queue for ${verification.totalAccepted} accepted escalations`,
    );
  if (verification.unaccounted > 0)
    problems.push(`${verification.unaccounted} messages for escalations no batch accepted`);
  if (verification.duplicateIds > 0) problems.push(`${verification.duplicateIds} MessageIds queued more than once`);
  if (verification.bodyMismatches > 0)
    problems.push(`${verification.bodyMismatches} messages whose body's escalationId is not their MessageId`);
  return problems;
}
