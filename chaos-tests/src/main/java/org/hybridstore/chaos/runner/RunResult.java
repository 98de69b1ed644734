package org.hybridstore.chaos.runner;

import java.nio.file.Path;
import java.util.Map;
import org.hybridstore.chaos.checker.CheckResult;

/**
 * What a run produced.
 *
 * @param config its settings
 * @param dir its output directory
 * @param check the composed checkers' result (the verdict)
 * @param figures availability, failover, convergence and latency figures
 * @param namespaces whether hosts were network namespaces (false: reduced loopback mode)
 * @param etcdFlags etcd's timing flags, reported with every result
 */
public record RunResult(
    RunConfig config,
    Path dir,
    CheckResult check,
    Map<String, Object> figures,
    boolean namespaces,
    String etcdFlags) {}
