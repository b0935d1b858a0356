// Benchmark of the forwarder, the queue trigger that takes each escalation to 21Vianet:
// forwarded escalations per second through the local Functions host with the Partner Center
// sandbox answering every call after `--latency-ms` (50), as a ratio to the bound that latency
// and host.json's extensions.serviceBus.maxConcurrentCalls (16) set, 16 / 0.05 s = 320/s (aim
// >= 0.8), and to the Partner Center channel alone measured in the same run.
//
//   npm run bench:forwarding -- [--escalations 2000] [--rounds 2] [--latency-ms 50] [--skip-probe] [--json <file>]
//
// Everything runs on 127.0.0.1 and is started by this run: Azurite's Table service (in memory, a
// free port) and the Service Bus emulator (dist/local/service-bus/cli.js, a free port, one queue
// configured as local/service-bus/escalations.config.json configures the app's, duplicate
// detection included), each a child process, for the whole run; the Partner Center sandbox
// (local/vianet-sandbox) in this process, so its creates can be timed from Node's http server
// diagnostics channels (bench/forwarding/sandbox-trace.ts) and its records read directly; and per
// forwarding measurement a local Functions host child (dist/local/functions-host/cli.js) serving
// this repository's app with that queue, a table of its own, appSettingsFor(sandbox) and the
// dispatch sweep disabled.
//
// Per round (`--rounds`, the order alternating: forwarding first in odd rounds, the channel first
// in even ones), each on a freshly reset sandbox with no faults armed:
// 1. Forwarding. With no host running, `--escalations` escalations are stored and queued with
//    the real adapters (submitEscalation with TableEscalationStore and ServiceBusEscalationQueue,
//    as the intake benchmark builds them; 16 in flight, untimed; spread over `--customers` tenants as a
//    partner's desk's would be) on a fresh table, so the queue holds that many real messages. Then
//    the host starts and forwards them. Every create the sandbox answers is timestamped; reported
//    are the throughput over the steady middle (from the 25% to the 90% create: the first quarter
//    also warms the fresh host's JIT) and over the whole run (from spawning the host to the last create, start-up
//    and the first token included), and the time from the last create until no escalation is
//    left `queued` (the last status writes). Each process's CPU time is sampled from /proc every
//    100 ms and interpolated at the window's ends.
// 2. Channel alone. The same number of creates through PartnerCenterChannel with MsalTokenSource,
//    built by the app's own buildPartnerCenterChannel (shared/adapters/partner-center/) from the same settings
//    parsed by the same loadConfig, so MSAL reaches the loopback sandbox as in the host;
//    maxConcurrentCalls in flight, in this process: no queue, no storage, no host. The same
//    windows, from the same timestamps.
// After every measurement, verified (or the benchmark fails): the sandbox holds exactly one
// request carrying each escalation's marker (shared/domain/forwarding/channel.ts requestMarker) and no
// other, and exactly one create call reached it per escalation (no retry, no replay); for
// forwarding also that every escalation is `forwarded` in the store (TableEscalationStore.get)
// with that request's id and no open attempt, and that the queue and its dead-letter queue are
// empty once the host has stopped.
// 3. Probe (diagnostic, once, after the rounds; --skip-probe leaves it out): a few hundred
//    escalations submitted, forwarded by forwardEscalation itself in this process, moved by
//    21Vianet once and closed, with the real store (its immediate event fan-out wired as the
//    composition root wires it) and channel and maxConcurrentCalls in flight but no host and no
//    Service Bus, through a TableClient whose pipeline records and times every request: how many
//    Table Storage requests each step costs (aim for a forwarding: at most 5), how long they
//    take, and how much of a forwarding is spent outside the channel call.
//
// Reported: forwarded/s and creates/s per measurement and over all rounds, the ratios, CPU ms per
// escalation of the host child, this process (the sandbox; plus the channel in channel runs),
// Azurite and the emulator, with the machine's busy share from /proc/stat, and where a
// forwarding's time goes. The app's commit (with any uncommitted files of shared/ and functions/)
// and a digest of the compiled app the hosts load are printed first; a rebuild of dist/ during
// the run is reported, since the figures would then mix two versions.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  describeWallTime,
  formatMs,
  formatRate,
  formatRatio,
  printAppOutputs,
  runBenchmark,
  stopNewestFirst,
  verdict,
  withBenchProcesses,
  appHostCli,
  REPO_ROOT,
  type Stoppable,
} from "../kit/index.js";
import { runAll } from "./measure.js";
import { runProbe } from "./probe.js";
import { printProbe, printReport, printWhereTimeGoes, writeJson } from "./report.js";
import { appVersion, compiledAppDigest, describeVersion, startRig, type Rig } from "./rig.js";
import {
  AIM_HOST_OWN_CPU_MS,
  AIM_RATIO,
  AIM_TABLE_OPERATIONS_PER_FORWARDING,
  BASELINE_HOST_OWN_CPU_MS,
  parseOptions,
  PATHS,
  QUEUE,
  rerun,
  usage,
  type Options,
} from "./settings.js";
import { hostOwnCpuMs, ratiosOf, summarize } from "./summary.js";

async function main(options: Options, began: number): Promise<void> {
  const runTag = randomBytes(5).toString("hex");
  const started: Stoppable[] = [];
  let rig: Rig | undefined;
  await withBenchProcesses(
    {
      tempPrefix: "forwarding-bench-",
      stopAll: () => stopNewestFirst(started),
      onFailure: () => {
        printAppOutputs(rig);
      },
    },
    async ({ tempDir }) => {
      const version = appVersion();
      const digest = compiledAppDigest();
      console.log(`App under test: ${describeVersion(version)}; compiled app (dist/shared, dist/functions) ${digest}`);
      rig = await startRig(tempDir, started, options.latencyMs);
      if (rig.removedSettings.length > 0)
        console.log(`Removed from the hosts' environment: ${rig.removedSettings.join(", ")}`);
      console.log(
        `Azurite (Table)       pid ${rig.azurite.pid ?? "?"}: port ${rig.azurite.port}, in memory; a table per measurement, fwd${runTag}n<1..>`,
      );
      console.log(`Service Bus emulator  pid ${rig.emulator.pid}: queue ${QUEUE}, duplicate detection on`);
      console.log(
        `Partner Center sandbox in this process (pid ${process.pid}): ${rig.sandbox.url}, ${options.latencyMs} ms before every answer`,
      );
      console.log(
        `local Functions host  a child per forwarding measurement: ${appHostCli()} --app ${REPO_ROOT}; output in ${join(tempDir, "host-<n>.log")}`,
      );

      const measurements = await runAll(rig, options, runTag);
      const probe = options.probe ? await runProbe(rig, runTag, options.rounds * PATHS.length + 1) : undefined;
      const summaries = PATHS.map((path) => summarize(path, measurements)).filter((summary) => summary !== undefined);
      const forwarding = summaries.find((summary) => summary.path === "forwarding");
      const channel = summaries.find((summary) => summary.path === "channel");
      const ratios = ratiosOf(rig.maxConcurrentCalls / (options.latencyMs / 1000), forwarding, channel);
      const totalMs = performance.now() - began;
      const digestAfter = compiledAppDigest();
      const versionAfter = appVersion();

      printReport(options, rig, measurements, summaries, ratios);
      if (probe !== undefined) printProbe(probe);
      printWhereTimeGoes(rig, ratios.boundPerSec, summaries, probe);
      console.log("");
      console.log(
        `Verification passed: after every measurement the sandbox held exactly one request per escalation, each carrying its marker, and nothing else, with one create call each; ` +
          `every forwarded escalation is \`forwarded\` in the store with that request's id, and the queue and its dead-letter queue were empty.`,
      );
      console.log("");
      console.log("Aims:");
      console.log(
        `  forwarded/s over the bound >= ${AIM_RATIO.toFixed(2)}x: ${formatRate(forwarding?.steady.perSec)} / ${formatRate(ratios.boundPerSec)} = ${formatRatio(ratios.forwardingToBound)}, ${verdict(ratios.met)} ` +
          `(whole runs ${formatRatio(ratios.wholeForwardingToBound)})`,
      );
      console.log(
        `  forwarded/s over the channel alone: ${formatRate(forwarding?.steady.perSec)} / ${formatRate(channel?.steady.perSec)} = ${formatRatio(ratios.forwardingToChannel)} ` +
          `(whole runs ${formatRatio(ratios.wholeForwardingToChannel)}); the channel alone reaches ${formatRatio(ratios.channelToBound)} of the bound`,
      );
      const hostOwn = hostOwnCpuMs(forwarding, probe);
      console.log(
        `  aim: host CPU/forwarding <= ${formatMs(AIM_HOST_OWN_CPU_MS)} ms (half of the baseline ${formatMs(BASELINE_HOST_OWN_CPU_MS)}): ` +
          (hostOwn === undefined
            ? "not measured (it needs the probe: leave out --skip-probe)"
            : `${formatMs(hostOwn)} ms, ${verdict(hostOwn <= AIM_HOST_OWN_CPU_MS)}`) +
          ` (the host's own: the host child's CPU per forwarding, ${formatMs(forwarding?.steady.cpuMsPerEscalation.host)} ms, less the probe's forwarding code; machine noisy: compare medians of several runs)`,
      );
      if (probe !== undefined)
        console.log(
          `  Table Storage requests per forwarding <= ${AIM_TABLE_OPERATIONS_PER_FORWARDING}: ${probe.operationsPerForwarding.toFixed(2)} (probe), ` +
            `${verdict(probe.operationsPerForwarding <= AIM_TABLE_OPERATIONS_PER_FORWARDING)}; per submission ${probe.steps[0]?.perEscalation.toFixed(2) ?? "?"}, ` +
            `per status change ${probe.steps.find((step) => step.step === "status change")?.perEscalation.toFixed(2) ?? "?"}`,
        );
      console.log("");
      if (digestAfter !== digest) {
        console.log(
          `WARNING: the compiled app changed during the run (${digest} -> ${digestAfter}): someone rebuilt dist/, so the measurements may not all be of the same code.`,
        );
      }
      if (versionAfter?.commit !== version?.commit)
        console.log(
          `Note: the repository moved from ${describeVersion(version)} to ${describeVersion(versionAfter)} during the run; the hosts ran what dist/ held.`,
        );
      console.log(describeWallTime(totalMs));
      console.log(`Rerun: ${rerun(options)}`);
      if (options.jsonPath !== undefined)
        await writeJson(options.jsonPath, options, rig, runTag, measurements, summaries, ratios, probe, totalMs, {
          ...version,
          compiledApp: digest,
          compiledAppAfter: digestAfter,
        });
    },
  );
}

runBenchmark(parseOptions, main, usage);
