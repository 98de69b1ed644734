/**
 * A benchmark harness, run by hand and kept out of the test suite: {@link
 * org.hybridstore.chaos.bench.CheckerBenchmark} times the linearizability checker on the
 * reference etcd logs and kv histories and prints per-file figures for docs/performance.md.
 */
package org.hybridstore.chaos.bench;
