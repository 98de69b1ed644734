/**
 * {@code ./chaos bench}: every performance ratio the project is measured on, in one process on one
 * fresh local etcd cluster. {@link org.hybridstore.chaos.bench.Benchmark} runs the phases (STRONG
 * command against raw jetcd compare-and-swap, DEGRADED durable write against raw etcd put, group
 * commit against one commit per write, convergence after a backlog, the size of a typical record)
 * and returns a {@link org.hybridstore.chaos.bench.BenchResult}; {@link
 * org.hybridstore.chaos.bench.BenchReport} prints it as a table and as JSON.
 *
 * <p>The test sources add a by-hand harness in this package, {@code CheckerBenchmark}, which times
 * the linearizability checker on the reference etcd logs and kv histories.
 */
@NullMarked
package org.hybridstore.chaos.bench;

import org.jspecify.annotations.NullMarked;
