package org.hybridstore.chaos.nemesis;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.ClusterException;
import org.hybridstore.chaos.cluster.EtcdMember;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code gray-pause}: a pause/resume duty cycle on one etcd member (the agreed leader if there is
 * one, else a random member), below the election timeout: paused for 3/5 of ET out of every 4/5 of
 * ET (300 ms of every 400 ms at ET = 500 ms). The cluster stays "up" by every signal (faults.md §4:
 * the leader kept its leadership in 1160 of 1160 samples) but everything it does is slow.
 *
 * <p>A single daemon thread owned by this nemesis runs the cycle; stop shuts it down, waits for it,
 * and then resumes the member. Do not combine it with {@code pause-etcd-*} on the same member: its
 * resume would end theirs.
 */
final class GrayPauseNemesis extends AbstractNemesis {

  private static final Logger LOG = LoggerFactory.getLogger(GrayPauseNemesis.class);

  private @Nullable ScheduledExecutorService executor;
  private @Nullable EtcdMember target;
  private final AtomicLong cycles = new AtomicLong();

  GrayPauseNemesis(String name) {
    super(name);
  }

  @Override
  Applied doStart(Cluster cluster, Random random) {
    int et = cluster.spec().electionMs();
    long pauseMs = et * 3L / 5;
    long periodMs = et * 4L / 5;
    OptionalInt leader = cluster.leader(Duration.ofMillis(2L * et + 1000));
    int h = leader.isPresent() ? leader.getAsInt() : random.nextInt(cluster.hosts().size());
    EtcdMember member = cluster.etcd(h);
    ScheduledExecutorService ex =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gray-pause-" + member.host().name());
              t.setDaemon(true);
              return t;
            });
    cycles.set(0);
    var unused =
        ex.scheduleAtFixedRate(
            () -> {
              if (cluster.isClosed()) {
                ex.shutdown(); // the cluster was closed without stopping this nemesis: end the
                // thread
                return;
              }
              try {
                member.pause();
                cycles.incrementAndGet();
                var unusedResume =
                    ex.schedule(() -> resumeQuietly(member), pauseMs, TimeUnit.MILLISECONDS);
              } catch (RuntimeException e) {
                LOG.debug("gray-pause: cannot pause {}: {}", member.host().name(), e.toString());
              }
            },
            0,
            periodMs,
            TimeUnit.MILLISECONDS);
    executor = ex;
    target = member;
    return new Applied(
        "duty cycle on etcd "
            + member.host().name()
            + (leader.isPresent() ? " (leader)" : "")
            + ": paused "
            + pauseMs
            + " ms of every "
            + periodMs
            + " ms",
        Set.of(h));
  }

  @Override
  void doStop(Cluster cluster) {
    ScheduledExecutorService executor = Objects.requireNonNull(this.executor, "not started");
    EtcdMember target = Objects.requireNonNull(this.target, "not started");
    executor.shutdownNow();
    boolean interrupted = false;
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        throw new ClusterException("gray-pause thread did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    target.resume();
    LOG.info("gray-pause: {} pause cycles on {}", cycles.get(), target.host().name());
    this.executor = null;
    this.target = null;
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void resumeQuietly(EtcdMember member) {
    try {
      member.resume();
    } catch (RuntimeException e) {
      LOG.debug("gray-pause: cannot resume {}: {}", member.host().name(), e.toString());
    }
  }
}
