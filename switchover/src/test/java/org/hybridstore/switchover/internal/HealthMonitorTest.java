package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.hybridstore.spi.QuorumStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The monitor reports every probe as a sample, a hanging or failing probe as a failed one. */
class HealthMonitorTest {
  private final Fixtures.ManualTime time = new Fixtures.ManualTime();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final List<HealthSample> samples = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    timers.shutdownNow();
  }

  private HealthMonitor monitor(FakeStrongBackend etcd) {
    return new HealthMonitor(
        etcd, timers, Duration.ofMillis(20), Duration.ofMillis(50), time, samples::add);
  }

  @Test
  void probeNow_reportsWhatTheBackendSaid() {
    FakeStrongBackend etcd = new FakeStrongBackend(time);
    etcd.probe = FakeStrongBackend.noLeader();
    HealthSample s = monitor(etcd).probeNow();
    assertThat(s.ok()).isFalse();
    assertThat(s.status().detail()).isEqualTo("no leader");
  }

  @Test
  void aProbeThatNeverAnswers_isAFailedSampleAfterTwiceItsDeadline() {
    FakeStrongBackend hanging =
        new FakeStrongBackend(time) {
          @Override
          public CompletionStage<QuorumStatus> probe(Duration deadline) {
            return new CompletableFuture<>();
          }
        };
    HealthSample s = monitor(hanging).probeNow();
    assertThat(s.ok()).isFalse();
    assertThat(s.status().detail()).startsWith("probe failed");
  }

  @Test
  void start_reportsEverySampleAtTheInterval() {
    FakeStrongBackend etcd = new FakeStrongBackend(time);
    HealthMonitor m = monitor(etcd);
    m.start();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> samples.size() >= 5);
    m.close();
    assertThat(samples).allSatisfy(s -> assertThat(s.ok()).isTrue());
    assertThat(m.last()).isNotNull();
  }
}
