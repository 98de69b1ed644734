package org.hybridstore.chaos.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hybridstore.chaos.runner.ChaosRun;
import org.hybridstore.chaos.runner.RunConfig;
import org.hybridstore.chaos.runner.RunResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chaos run}: one Jepsen-style run on a local cluster. Exit code 0 when the verdict is
 * valid, 1 when invalid, 2 when unknown, 3 when the run itself could not be carried out.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run the order workload against a local cluster under faults, check the history, write a report.")
public final class RunCommand implements Callable<Integer> {
  @Option(
      names = "--nodes",
      description = "hosts: etcd member + order-service node each (3..5); default ${DEFAULT-VALUE}")
  int nodes = 3;

  @Option(
      names = "--time-limit",
      paramLabel = "SECONDS",
      description = "workload and fault phase; default ${DEFAULT-VALUE}")
  int timeLimit = 90;

  @Option(
      names = "--nemesis",
      split = ",",
      paramLabel = "NAMES",
      description =
          "faults to cycle through, comma-separated, or 'all' or 'none'; default ${DEFAULT-VALUE}")
  List<String> nemeses =
      List.of(
          "kill-etcd-majority",
          "partition-leader",
          "pause-etcd-majority",
          "partition-service-etcd",
          "kill-node");

  @Option(
      names = "--rate",
      description = "operations per second, all clients together; default ${DEFAULT-VALUE}")
  int rate = 100;

  @Option(names = "--concurrency", description = "client processes; default ${DEFAULT-VALUE}")
  int concurrency = 9;

  @Option(
      names = "--fault",
      paramLabel = "SECONDS",
      description = "how long each fault is held; default ${DEFAULT-VALUE}")
  int faultSeconds = 6;

  @Option(
      names = "--quiet",
      paramLabel = "SECONDS",
      description = "healthy time between faults; default ${DEFAULT-VALUE}")
  int quietSeconds = 5;

  @Option(
      names = "--keys",
      description = "register orders (few keys force conflicts); default ${DEFAULT-VALUE}")
  int keys = 5;

  @Option(
      names = "--heartbeat",
      paramLabel = "MS",
      description = "etcd heartbeat interval; default ${DEFAULT-VALUE}")
  int heartbeat = 50;

  @Option(
      names = "--election",
      paramLabel = "MS",
      description = "etcd election timeout; default ${DEFAULT-VALUE}")
  int election = 500;

  @Option(
      names = "--seed",
      description = "randomness of workload and faults; default ${DEFAULT-VALUE}")
  long seed = 42;

  @Option(names = "--output", description = "where run directories go; default ${DEFAULT-VALUE}")
  Path output = Path.of("target", "chaos");

  @Option(
      names = "--loopback",
      description =
          "reduced mode: every host on 127.0.0.1, process faults only (without it, the run needs root and"
              + " network namespaces)")
  boolean loopback;

  @Option(
      names = "--dashboard",
      description =
          "serve the live JMX dashboard of all nodes (read-only Jolokia on each host's address) and link it")
  boolean dashboard;

  @Option(
      names = "--mutant",
      paramLabel = "NAME",
      description =
          "test of the suite itself: run every node as a deliberately broken build (see ./chaos mutants)")
  String mutant = "";

  @Override
  public Integer call() {
    List<String> chosen = nemeses.equals(List.of("none")) ? List.of() : nemeses;
    RunConfig config =
        new RunConfig(
            nodes,
            timeLimit,
            chosen,
            rate,
            concurrency,
            faultSeconds,
            quietSeconds,
            keys,
            heartbeat,
            election,
            seed,
            output,
            mutant,
            loopback,
            dashboard);
    try {
      RunResult r = ChaosRun.run(config, System.out);
      return switch (r.check().validity()) {
        case VALID -> 0;
        case INVALID -> 1;
        case UNKNOWN -> 2;
      };
    } catch (Exception e) {
      System.err.println("the run could not be carried out: " + e);
      e.printStackTrace(System.err);
      return 3;
    }
  }
}
