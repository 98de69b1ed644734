package org.hybridstore.chaos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hybridstore.chaos.checker.ReferenceHistories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ChaosCliTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = ChaosCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private static String ref(String path) {
    return ReferenceHistories.base().resolve(path).toString();
  }

  @Test
  void check_validFileExitsZero() {
    int code = run("check", ref("etcd-jepsen/etcd_005.log"));

    assertThat(code).isZero();
    assertThat(out.toString())
        .containsPattern("etcd_005\\.log valid \\d+")
        .contains("checked 1 files")
        .contains("1 valid");
  }

  @Test
  void check_invalidFileExitsOneWithCounterexample() {
    int code = run("check", ref("etcd-jepsen/etcd_005.log"), ref("etcd-jepsen/etcd_000.log"));

    assertThat(code).isEqualTo(1);
    assertThat(out.toString())
        .containsPattern("etcd_000\\.log invalid \\d+")
        .contains("cannot linearize")
        .contains("1 valid, 1 invalid");
  }

  @Test
  void check_malformedFileExitsTwo() throws IOException {
    Path bad = dir.resolve("bad.log");
    Files.writeString(bad, "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nnot a log line\n");

    int code = run("check", ref("etcd-jepsen/etcd_005.log"), bad.toString());

    assertThat(code).isEqualTo(2);
    assertThat(out.toString()).containsPattern("bad\\.log unknown \\d+").contains("1 unreadable");
    assertThat(err.toString()).contains("bad.log:2:");
  }

  @Test
  void check_budgetExceededExitsTwo() {
    int code = run("check", "--max-states", "50", ref("etcd-jepsen/etcd_002.log"));

    assertThat(code).isEqualTo(2);
    assertThat(out.toString())
        .containsPattern("etcd_002\\.log unknown \\d+")
        .contains("memory budget");
  }

  @Test
  void check_modelAndFormatOptions() {
    int kv = run("check", "--format", "porcupine-kv", "--model", "kv", ref("kv/c01-ok.txt"));
    int lenient =
        run(
            "check",
            "--nil-read",
            "lenient",
            "--initial",
            "0",
            "--time-limit",
            "5",
            ref("knossos/cas-register/good/memstress3-1.edn"));
    int wrong = run("check", "--nil-read", "maybe", ref("kv/c01-ok.txt"));

    assertThat(kv).isZero();
    assertThat(lenient).isZero();
    assertThat(wrong).isEqualTo(2);
  }

  @Test
  void bench_helpListsItsOptions() {
    assertThat(run("bench", "--help")).isZero();
    assertThat(out.toString())
        .contains("--quick")
        .contains("--json")
        .contains("--seconds")
        .contains("--rounds");
  }

  @Test
  void bench_invalidSettingsIsUsageErrorBeforeAnythingStarts() {
    assertThat(run("bench", "--rounds", "0")).isEqualTo(2);
    assertThat(run("bench", "--election", "100")).isEqualTo(2);
  }

  @Test
  void chaos_withoutSubcommandIsUsageError() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required subcommand");
  }
}
