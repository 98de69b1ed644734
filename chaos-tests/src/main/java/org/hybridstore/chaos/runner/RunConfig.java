package org.hybridstore.chaos.runner;

import java.nio.file.Path;
import java.util.List;

/**
 * One chaos run's settings.
 *
 * @param nodes hosts (each one etcd member and one order-service node), 3 to 5
 * @param timeLimitSeconds how long the workload and nemesis phase lasts
 * @param nemeses nemesis names to cycle through (empty: no faults)
 * @param rate client operations per second, all clients together
 * @param concurrency client processes (each has one operation in flight)
 * @param faultSeconds how long each fault is held
 * @param quietSeconds how long the cluster runs healthy between faults
 * @param registerKeys how many register orders the workload writes (small: conflicts)
 * @param heartbeatMs etcd heartbeat interval
 * @param electionMs etcd election timeout
 * @param seed randomness of generator and nemeses
 * @param outputRoot where run directories are created ({@code target/chaos})
 * @param mutant the suite's self-test: start every node as this deliberately broken build ({@code
 *     chaos-mutants}, {@code ./chaos mutants}); empty for the real build
 * @param loopback the reduced loopback mode (no namespaces, process faults only), chosen
 *     explicitly: without it a host that cannot build namespaces is an error, never a fallback
 * @param dashboard expose every node's Jolokia on its host address and serve the live dashboard
 *     (read-only) while the run is going
 */
public record RunConfig(
    int nodes,
    int timeLimitSeconds,
    List<String> nemeses,
    int rate,
    int concurrency,
    int faultSeconds,
    int quietSeconds,
    int registerKeys,
    int heartbeatMs,
    int electionMs,
    long seed,
    Path outputRoot,
    String mutant,
    boolean loopback,
    boolean dashboard) {
  /** Validates and copies. */
  public RunConfig {
    if (nodes < 1 || nodes > 5) {
      throw new IllegalArgumentException("--nodes must be 1..5, was " + nodes);
    }
    if (timeLimitSeconds < 1
        || rate < 1
        || concurrency < 1
        || faultSeconds < 1
        || quietSeconds < 0
        || registerKeys < 1) {
      throw new IllegalArgumentException(
          "time limit, rate, concurrency, fault length and keys must be positive");
    }
    nemeses = List.copyOf(nemeses);
    java.util.Objects.requireNonNull(mutant, "mutant");
  }

  /** Returns the run's name: workload and faults, as Jepsen names runs. */
  public String name() {
    return "orders "
        + (nemeses.isEmpty() ? "none" : String.join(",", nemeses))
        + (mutant.isEmpty() ? "" : " mutant " + mutant);
  }
}
