// The intake benchmark's floor: the same submissions without HTTP or the host, submitEscalation
// (and runIdempotently with a key) with the real adapters on SDK clients built as the composition
// root builds them, in this process.
import { ServiceBusClient, type ServiceBusSender } from "@azure/service-bus";
import { ServiceBusEscalationQueue } from "../../shared/adapters/service-bus/service-bus-escalation-queue.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import { TableIdempotencyStore } from "../../shared/adapters/table-storage/table-idempotency-store.js";
import { identifyCaller } from "../../shared/domain/escalations/callers.js";
import type { Escalation } from "../../shared/domain/escalations/escalation.js";
import type { EscalationRequest } from "../../shared/domain/escalations/escalation-request.js";
import { fingerprintOf, runIdempotently, type StoredResponse } from "../../shared/domain/escalations/idempotency.js";
import { randomIds } from "../../shared/domain/escalations/ids.js";
import {
  submitEscalation,
  type Caller,
  type Reservation,
  type SubmitDependencies,
} from "../../shared/domain/escalations/submit-escalation.js";
import { toSubmitResponse } from "../../shared/handlers/submit-escalation-handler.js";
import { buildEscalationRequest } from "../../test/builders/escalation-request.js";
import {
  azuriteTable,
  loadAppConfig,
  numberedTitle,
  systemClock,
  VerificationError,
  type AppStack,
} from "../kit/index.js";
import { finishRun, hostEnvironment, type PathRun } from "./host-run.js";
import { FUNCTION_KEY } from "./settings.js";

export interface Floor {
  caller: Caller;
  serviceBus: ServiceBusClient;
  sender: ServiceBusSender;
}

/** The floor's adapters on one table. */
export interface FloorTable {
  deps: SubmitDependencies;
  idempotency: TableIdempotencyStore;
}

/** The Service Bus client and sender, built as shared/composition-root.ts builds them, kept for the whole run as the host keeps its own. */
export function createFloor(stack: AppStack): Floor {
  const config = loadAppConfig(hostEnvironment(stack, "unused"));
  const caller = identifyCaller(FUNCTION_KEY, config.callers);
  if (caller === undefined) throw new Error("the bench's function key identifies no caller in ESCALATION_CALLERS");
  const serviceBus = new ServiceBusClient(
    config.serviceBus.kind === "connectionString" ? config.serviceBus.connectionString : "",
  );
  return { caller, serviceBus, sender: serviceBus.createSender(config.escalationsQueueName) };
}

/** The adapters on `tableName`, created first as the host's first request creates its table. */
export async function floorTable(stack: AppStack, floor: Floor, tableName: string): Promise<FloorTable> {
  const config = loadAppConfig(hostEnvironment(stack, tableName));
  if (config.storage.kind !== "connectionString") throw new Error("the floor needs Azurite's connection string");
  const table = azuriteTable(config.storage.connectionString, config.escalationsTableName);
  await table.createTable();
  return {
    deps: {
      store: new TableEscalationStore(table),
      queue: new ServiceBusEscalationQueue(floor.sender),
      clock: systemClock,
      ids: randomIds,
      rules: config.criteria,
      services: config.services,
    },
    idempotency: new TableIdempotencyStore(table),
  };
}

/** One submission as the handler makes it after parsing the request; returns the accepted id. */
async function floorSubmit(
  floor: Floor,
  on: FloorTable,
  body: EscalationRequest,
  idempotencyKey: string | undefined,
): Promise<string> {
  let accepted: Escalation | undefined;
  const run = async (reservation?: Reservation): Promise<StoredResponse> => {
    const outcome = await submitEscalation(body, floor.caller, on.deps, reservation);
    if (outcome.ok) accepted = outcome.escalation;
    return toSubmitResponse(outcome);
  };
  let response: StoredResponse;
  if (idempotencyKey === undefined) response = await run();
  else {
    const result = await runIdempotently(
      on.idempotency,
      {
        scope: floor.caller.id,
        key: idempotencyKey,
        fingerprint: fingerprintOf(body),
        now: () => on.deps.clock.now(),
        reservation: () => on.deps.ids.escalationId(),
      },
      ({ reservation, resumed }) => run({ id: reservation, resumed }),
    );
    if (result.kind !== "fresh")
      throw new VerificationError(`floor: Idempotency-Key ${idempotencyKey} was not fresh: ${result.kind}`);
    response = result.response;
  }
  if (response.status !== 202 || accepted === undefined)
    throw new VerificationError(`floor: submission refused: ${response.status} ${response.body.slice(0, 300)}`);
  if (accepted.dispatch !== "sent")
    throw new VerificationError(`floor: escalation ${accepted.id} was stored but its queue send failed`);
  return accepted.id;
}

/**
 * `connections` submissions in flight until `seconds` have passed (those in flight then finish)
 * or, with `count`, until that many have started.
 */
export async function floorRun(
  floor: Floor,
  on: FloorTable,
  settings: { connections: number; seconds?: number; count?: number; keyed: boolean; label: string },
): Promise<PathRun> {
  let counter = 0;
  const ids: string[] = [];
  const latencies: number[] = [];
  const answeredAt: number[] = [];
  const startedAt = performance.now();
  const deadline = settings.seconds === undefined ? Number.POSITIVE_INFINITY : startedAt + settings.seconds * 1000;
  const count = settings.count ?? Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (performance.now() < deadline && counter < count) {
      const n = counter++;
      const body = buildEscalationRequest({ title: numberedTitle(settings.label, n) });
      const began = performance.now();
      const id = await floorSubmit(floor, on, body, settings.keyed ? `${settings.label}-${n}` : undefined);
      const ended = performance.now();
      latencies.push(ended - began);
      answeredAt.push(ended);
      ids.push(id);
    }
  };
  await Promise.all(Array.from({ length: settings.connections }, worker));
  const run = finishRun(ids, latencies, answeredAt, (performance.now() - startedAt) / 1000);
  if (new Set(ids).size !== ids.length)
    throw new VerificationError(`${settings.label}: the same escalation id came back twice`);
  return run;
}
