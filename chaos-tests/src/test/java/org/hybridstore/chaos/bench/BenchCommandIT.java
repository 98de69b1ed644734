package org.hybridstore.chaos.bench;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hybridstore.chaos.cli.ChaosCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./chaos bench --quick} end to end: a fresh etcd cluster, every phase, the JSON. About 2.5
 * minutes on the shared 2-core build host at load average 25 (before the backlogs ran twice), 51 s
 * at load average 3 (2026-12-04, each backlog size twice), most of it the backlogs.
 */
@Timeout(value = 8, unit = MINUTES)
class BenchCommandIT {
  @TempDir Path dir;

  @Test
  void benchQuick_writesEveryFigure_withPlausibleValues_andLeavesNothingBehind() throws Exception {
    // Given no benchmark directory left from earlier runs of this test
    List<Path> before = benchDirs();

    // When the smoke run runs
    Path json = dir.resolve("bench.json");
    int code = ChaosCli.commandLine().execute("bench", "--quick", "--json", json.toString());

    // Then it succeeded and wrote every figure
    assertThat(code).isZero();
    JsonNode r = new ObjectMapper().readTree(json.toFile());
    for (String field : BenchReport.HEADLINE_FIELDS) {
      assertThat(r.path(field).isNumber()).as(field + " in " + r).isTrue();
    }
    assertThat(r.path("quick").asBoolean()).isTrue();
    for (String ratio :
        List.of(
            "strong_over_raw_cas",
            "strong_over_raw_cas_1_in_flight",
            "degraded_over_raw_put",
            "group_commit_over_single")) {
      assertThat(r.path(ratio).asDouble()).as(ratio).isBetween(0.01, 1000.0);
    }
    int recordBytes = r.path("record_bytes").asInt();
    assertThat(recordBytes).isBetween(500, 64 * 1024);
    assertThat(r.path("payload_bytes").asInt())
        .as("the benchmark orders are typical orders")
        .isBetween(recordBytes - 64, recordBytes + 64);
    long recovery = r.path("etcd_recovery_ms").asLong();
    assertThat(recovery).isBetween(1L, 60_000L);
    // every size twice: the first run and the second, each with its own figures
    for (String size : List.of("1k", "10k", "1k_again", "10k_again")) {
      assertThat(r.path("backlog_" + size + "_strong_ms").asLong()).isBetween(1L, 600_000L);
      assertThat(r.path("backlog_" + size + "_equal_ms").asLong()).isBetween(1L, 600_000L);
      assertThat(r.path("backlog_" + size + "_cpu_ms").asLong()).isBetween(1L, 600_000L);
    }
    assertThat(r.path("backlogs")).hasSize(4);
    for (JsonNode b : r.path("backlogs")) {
      assertThat(b.path("acknowledged").asInt())
          .as("every backlog write acknowledged")
          .isEqualTo(b.path("records").asInt());
      assertThat(b.path("digest").asText()).startsWith(b.path("records").asText() + ":");
    }
    for (JsonNode p : r.path("pairs")) {
      assertThat(p.path("rounds")).hasSize(1);
      assertThat(p.path("payload_bytes").asInt()).isEqualTo(r.path("payload_bytes").asInt());
      // each side's CPU per operation, read from this JVM and from the etcd processes' /proc
      for (String side : List.of("a", "b")) {
        JsonNode m = p.path("rounds").get(0).path(side);
        assertThat(m.path("cpu_us_per_op").asDouble()).as(side + " in " + p).isBetween(1.0, 1e6);
        assertThat(m.path("jit_compile_ms").isNumber()).as(side + " in " + p).isTrue();
        String key = p.path("key").asText();
        if (key.startsWith("strong_") || (side.equals("a") && key.startsWith("degraded_"))) {
          // the sides that write to etcd (DEGRADED and the group commit pair do not)
          assertThat(m.path("etcd_cpu_us_per_op").asDouble())
              .as(side + " in " + p)
              .isBetween(1.0, 1e6);
        }
      }
    }
    // and its cluster and directory are gone
    assertThat(benchDirs()).containsExactlyInAnyOrderElementsOf(before);
  }

  private static List<Path> benchDirs() throws Exception {
    try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("hybridstore-bench-")).toList();
    }
  }
}
