package org.hybridstore.chaos.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.hybridstore.chaos.history.History;
import org.junit.jupiter.api.Test;

class FiguresTest {
  private static ModeSampler.Sample at(long sentMillis, String mode) {
    return new ModeSampler.Sample(sentMillis, "n1", mode, 3, 0, sentMillis, 0, 0, "", 1);
  }

  @Test
  void notStrongTime_countsEachIntervalOnce_whileTheNodeIsDown() {
    // DEGRADED at 1 s, killed: no answer from 2 s to 7 s (a sample every 100 ms), STRONG again at 8
    // s
    List<ModeSampler.Sample> samples =
        new java.util.ArrayList<>(List.of(at(0, "STRONG"), at(1_000, "DEGRADED")));
    for (long t = 2_000; t <= 7_000; t += 100) {
      samples.add(at(t, "DOWN"));
    }
    samples.add(at(8_000, "STRONG"));
    samples.add(at(9_000, "STRONG"));
    // from the degrade to the return: 7 s, however many DOWN samples lie in between
    assertThat(Figures.notStrongMillis(samples, 0, 10_000)).isEqualTo(7_000);
    // clipped to the window
    assertThat(Figures.notStrongMillis(samples, 3_000, 5_000)).isEqualTo(2_000);
    assertThat(Figures.notStrongMillis(samples, 8_000, 10_000)).isZero();
  }

  private static FaultWindow window(long healMillis, long convergedMillis, long etcdMillis) {
    FaultWindow w = new FaultWindow("kill-etcd-majority", "test", (healMillis - 6_000) * 1_000_000);
    w.endNanos = healMillis * 1_000_000;
    w.convergedNanos = (healMillis + convergedMillis) * 1_000_000;
    w.etcdServesMillis = etcdMillis;
    w.degraded = true;
    return w;
  }

  @Test
  void convergenceAfterEtcd_isTheWindowMinusEtcdsOwnRecovery_overDegradedWindowsOnly() {
    FaultWindow slowEtcd = window(10_000, 4_500, 3_900);
    FaultWindow fastEtcd = window(20_000, 1_200, 300);
    FaultWindow stayedStrong = window(30_000, 100, 5);
    stayedStrong.degraded = false;
    FaultWindow unmeasured = window(40_000, 2_000, -1);
    Map<String, Object> f =
        Figures.compute(
            new History(), List.of(slowEtcd, fastEtcd, stayedStrong, unmeasured), 50_000_000_000L);
    assertThat(f.get("convergenceMillis")).asString().contains("count=3");
    Map<?, ?> afterEtcd = (Map<?, ?>) f.get("convergenceAfterEtcdServesMillis");
    assertThat(afterEtcd.get("count")).isEqualTo(2);
    assertThat(afterEtcd.get("min")).isEqualTo(600.0);
    assertThat(afterEtcd.get("max")).isEqualTo(900.0);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> windows = (List<Map<String, Object>>) f.get("windows");
    assertThat(windows.get(0).get("etcdServesMillis")).isEqualTo(3_900L);
  }

  @Test
  void notStrongTime_ordersSamplesByWhenTheirPollWasSent() {
    // a poll sent at 2 s timed out (DOWN, recorded at 3 s) after the poll sent at 2.5 s was
    // answered
    List<ModeSampler.Sample> arrival =
        List.of(
            at(0, "STRONG"),
            at(1_000, "DEGRADED"),
            at(2_500, "DEGRADED"),
            at(2_000, "DOWN"),
            at(4_000, "STRONG"));
    assertThat(Figures.notStrongMillis(arrival, 0, 5_000)).isEqualTo(3_000);
  }

  private static ModeSampler.Sample epoch(long epoch, long incarnation) {
    return new ModeSampler.Sample(0, "n3", "STRONG", epoch, 0, 0, 0, 0, "", incarnation);
  }

  @Test
  void epochCounter_staleAnswersOverALossyLink_countEachChangeOnce() {
    // the epochs n3's answers showed, in arrival order, in a 30 % loss window of a chaos run: the
    // epoch went from 7 to 16, but answers delayed by retransmission brought older epochs back
    // (the count against the last answer was 14)
    long[] arrived = {7, 7, 8, 7, 8, 10, 11, 11, 11, 13, 13, 11, 13, 11, 13, 14, 14, 16};
    Figures.EpochCounter counter = new Figures.EpochCounter();
    int changes = 0;
    for (long e : arrived) {
      changes += counter.advance(epoch(e, 42));
    }
    assertThat(changes).isEqualTo(9);
  }

  @Test
  void epochCounter_aRestartedProcess_countsFromItsOwnFirstAnswer() {
    Figures.EpochCounter counter = new Figures.EpochCounter();
    assertThat(counter.advance(epoch(5, 1))).isZero(); // first answer seen
    assertThat(counter.advance(epoch(6, 1))).isEqualTo(1);
    assertThat(counter.advance(epoch(-1, 0))).isZero(); // killed: no answer
    assertThat(counter.advance(epoch(1, 2))).isZero(); // restarted: a new process starts at 1
    assertThat(counter.advance(epoch(3, 2))).isEqualTo(2);
    assertThat(counter.advance(epoch(6, 1))).as("a late answer of the old process").isZero();
  }

  private static ModeSampler.Sample node(String node, long sentMillis, String mode, int backlog) {
    return new ModeSampler.Sample(sentMillis + 50, node, mode, 3, backlog, sentMillis, 0, 0, "", 1);
  }

  @Test
  void settledAfter_waitsForPollsSentAfterTheMoment() {
    // n2 looked settled at 29.1 s, but the write acknowledged at 29.14 s is in its backlog from
    // then
    // until 45 s; n1 stays settled throughout
    List<ModeSampler.Sample> samples =
        List.of(
            node("n1", 29_000, "STRONG", 0),
            node("n2", 29_100, "STRONG", 0),
            node("n1", 29_200, "STRONG", 0),
            node("n2", 29_200, "STRONG", 1),
            node("n2", 30_000, "DOWN", -1),
            node("n1", 40_000, "STRONG", 0),
            node("n2", 45_000, "STRONG", 0));
    assertThat(ChaosRun.settledAfter(samples, 29_140)).isEqualTo(45_050);
    assertThat(ChaosRun.settledAfter(samples, 45_100)).isEqualTo(Long.MAX_VALUE);
  }
}
