package org.hybridstore.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuMeterTest {

  @Test
  void ticks_areUserPlusSystemTime_evenWithParenthesesAndSpacesInTheName(@TempDir Path dir)
      throws Exception {
    Path stat = dir.resolve("stat");
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    Files.writeString(
        stat,
        "4242 (etcd (x) y) S 1 4242 4242 0 -1 4194560 900 0 3 0 70 30 0 0 20 0 12\n",
        StandardCharsets.US_ASCII);
    assertThat(CpuMeter.ticks(stat)).isEqualTo(100);

    Files.writeString(stat, "4242 (etcd) S 1 2\n", StandardCharsets.US_ASCII);
    assertThat(CpuMeter.ticks(stat)).isEqualTo(-1); // cut short
    assertThat(CpuMeter.ticks(dir.resolve("missing"))).isEqualTo(-1);
  }

  @Test
  void between_givesMicrosecondsPerOperation_andNothingWhereUnknown() {
    CpuMeter.Reading start = new CpuMeter.Reading(1_000_000, 100, Map.of(1L, 10L, 2L, 20L));
    CpuMeter.Reading end = new CpuMeter.Reading(5_000_000, 130, Map.of(1L, 15L, 2L, 25L));

    CpuMeter.Usage u = CpuMeter.between(start, end, 8);
    assertThat(u.processMicrosPerOp()).isEqualTo(500.0); // 4 ms over 8
    assertThat(u.etcdMicrosPerOp()).isEqualTo(12_500.0); // 10 ticks of 10 ms over 8
    assertThat(u.compileMillis()).isEqualTo(30);

    // a member that restarted (another pid), an unreadable member, no operation, no JIT figure
    CpuMeter.Reading restarted = new CpuMeter.Reading(5_000_000, 130, Map.of(1L, 15L, 3L, 1L));
    assertThat(CpuMeter.between(start, restarted, 8).etcdMicrosPerOp()).isNaN();
    CpuMeter.Reading unreadable = new CpuMeter.Reading(5_000_000, 130, null);
    assertThat(CpuMeter.between(start, unreadable, 8).etcdMicrosPerOp()).isNaN();
    assertThat(CpuMeter.between(start, unreadable, 8).processMicrosPerOp()).isEqualTo(500.0);
    assertThat(CpuMeter.between(start, end, 0).processMicrosPerOp()).isNaN();
    assertThat(CpuMeter.between(start, end, 0).etcdMicrosPerOp()).isNaN();
    CpuMeter.Reading noJit = new CpuMeter.Reading(5_000_000, -1, Map.of(1L, 15L, 2L, 25L));
    assertThat(CpuMeter.between(start, noJit, 8).compileMillis()).isEqualTo(-1);
    CpuMeter.Reading noProcess = new CpuMeter.Reading(-1, 130, Map.of(1L, 15L, 2L, 25L));
    assertThat(CpuMeter.between(start, noProcess, 8).processMicrosPerOp()).isNaN();
  }

  @Test
  void between_withoutEtcdMembers_knowsNoEtcdFigure() {
    CpuMeter.Reading a = CpuMeter.PROCESS_ONLY.read();
    CpuMeter.Reading b = CpuMeter.PROCESS_ONLY.read();
    assertThat(a.etcdTicks()).isEmpty();
    assertThat(CpuMeter.between(a, b, 1).etcdMicrosPerOp()).isNaN();
    assertThat(a.processNanos()).isPositive();
  }
}
