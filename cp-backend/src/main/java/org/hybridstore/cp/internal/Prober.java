package org.hybridstore.cp.internal;

import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.hybridstore.cp.internal.EtcdErrors.Signal;
import org.hybridstore.cp.internal.QuorumRule.ReadAnswer;
import org.hybridstore.cp.internal.QuorumRule.StatusAnswer;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.QuorumStatus;

/**
 * {@code StrongBackend.probe}: asks every configured member, in parallel and over its own
 * connection, for its status and for a linearizable read (count only, of the prefix key itself,
 * through the {@code hasleader} stub), both with the probe's deadline; {@link QuorumRule} turns the
 * answers into the sample. Every answer also updates the {@link MemberView}, so the probe is what
 * makes the backend avoid a member that stopped serving and use it again once it serves. Never
 * fails. Thread-safe.
 */
final class Prober {
  /** One member's probe: its status for the sample, and the revision its read saw (0 if none). */
  record Probed(MemberStatus status, long revision) {}

  private final MemberView view;
  private final EtcdKeys keys;
  private final LongSupplier nanoTime;
  private volatile long lastProbe;

  Prober(MemberView view, EtcdKeys keys, LongSupplier nanoTime) {
    this.view = view;
    this.keys = keys;
    this.nanoTime = nanoTime;
  }

  /**
   * How long a probe still waits for the other members once a majority of them refused the
   * connection. A member that reaches the quorum serves a linearizable read in milliseconds; the
   * one survivor of a killed majority still names the old leader until its election timeout and
   * answers nothing, so without this every probe waited out its whole deadline for it, and the
   * store degraded about a second after the kill instead of a few hundred milliseconds.
   */
  static final Duration AFTER_MAJORITY_REFUSED = Duration.ofMillis(150);

  /**
   * How long a probe still waits for the other members once a majority of them served the read and
   * named one leader: the sample is good whatever the others say. A member that rejoins after a
   * partition answers its status but holds reads until it has caught up with the leader (seconds
   * after a 20 s cut on these machines), so without this every probe of every node waited out its
   * whole deadline for it: a node returning to STRONG after the heal got its samples 500 ms late,
   * and one waited 650 ms after two good samples for the third it needed (docs/decisions.md 69). A
   * member still silent then is reported as not serving in this sample; its calls run on to their
   * deadline and update its health as usual.
   */
  static final Duration AFTER_MAJORITY_SERVED = Duration.ofMillis(100);

  /** One member's calls of a probe. */
  private record Asked(
      MemberConnection member,
      CompletableFuture<StatusAnswer> status,
      CompletableFuture<ReadAnswer> read,
      CompletableFuture<Probed> probed) {}

  /**
   * Probes every member and builds the sample: when every member answered or its deadline passed,
   * {@link #AFTER_MAJORITY_REFUSED} after a majority refused the connection while none served the
   * read, or {@link #AFTER_MAJORITY_SERVED} after a majority served it naming one leader (a member
   * still silent then is reported as not serving).
   */
  CompletableFuture<QuorumStatus> probe(Duration deadline) {
    long start = nanoTime.getAsLong();
    lastProbe = start;
    List<Asked> all = new ArrayList<>();
    for (MemberConnection m : view.connections()) {
      all.add(ask(m, deadline));
    }
    CompletableFuture<QuorumStatus> sample = new CompletableFuture<>();
    AtomicBoolean endingEarly = new AtomicBoolean();
    Runnable answered =
        () -> {
          if (sample.isDone()) {
            return; // every member answered, or the early end came first
          }
          List<MemberStatus> done = new ArrayList<>();
          for (Asked a : all) {
            if (a.probed().isDone()) {
              done.add(a.probed().join().status());
            }
          }
          if (done.size() == all.size()) {
            sample.complete(sample(all, deadline, start, ""));
          } else if (QuorumRule.majorityRefused(done, all.size())) {
            endEarly(sample, all, deadline, start, endingEarly, AFTER_MAJORITY_REFUSED, "refused");
          } else if (QuorumRule.majorityServed(done, all.size())) {
            endEarly(sample, all, deadline, start, endingEarly, AFTER_MAJORITY_SERVED, "served");
          }
        };
    for (Asked a : all) {
      a.probed().whenComplete((p, e) -> answered.run());
    }
    return sample;
  }

  /** Completes the sample {@code after} from now with the answers then, once per probe. */
  private void endEarly(
      CompletableFuture<QuorumStatus> sample,
      List<Asked> all,
      Duration deadline,
      long start,
      AtomicBoolean endingEarly,
      Duration after,
      String majority) {
    if (!endingEarly.compareAndSet(false, true)) {
      return;
    }
    String silent = "no answer within " + after.toMillis() + " ms after a majority " + majority;
    CompletableFuture.delayedExecutor(after.toNanos(), TimeUnit.NANOSECONDS)
        .execute(
            () -> {
              if (!sample.isDone()) {
                sample.complete(sample(all, deadline, start, silent));
              }
            });
  }

  /**
   * The sample from every member's answer so far; a member still silent did not serve ({@code
   * silent} says why).
   */
  private QuorumStatus sample(List<Asked> all, Duration deadline, long start, String silent) {
    List<MemberStatus> members = new ArrayList<>();
    long revision = 0;
    for (Asked a : all) {
      if (a.probed().isDone()) {
        Probed p = a.probed().join();
        members.add(p.status());
        revision = Math.max(revision, p.revision());
        continue;
      }
      Duration waited = Duration.ofNanos(nanoTime.getAsLong() - start);
      StatusAnswer status =
          a.status().isDone() ? a.status().join() : StatusAnswer.failed("status: " + silent);
      ReadAnswer read =
          a.read().isDone() ? a.read().join() : ReadAnswer.failure(waited, Signal.TIMEOUT, silent);
      members.add(QuorumRule.member(a.member().endpoint, status, read));
    }
    return QuorumRule.decide(members, deadline, revision);
  }

  /** Returns when the last full probe started ({@code System.nanoTime()}, 0 if never). */
  long lastProbe() {
    return lastProbe;
  }

  /** Probes one member; never fails. */
  CompletableFuture<Probed> member(MemberConnection m, Duration deadline) {
    return ask(m, deadline).probed();
  }

  private Asked ask(MemberConnection m, Duration deadline) {
    long start = nanoTime.getAsLong();
    Deadline d = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
    CompletableFuture<StatusAnswer> status = status(m, d);
    CompletableFuture<ReadAnswer> read = read(m, d, start);
    return new Asked(
        m,
        status,
        read,
        status.thenCombine(
            read, (s, r) -> new Probed(QuorumRule.member(m.endpoint, s, r), r.revision())));
  }

  private CompletableFuture<StatusAnswer> status(MemberConnection m, Deadline d) {
    CompletableFuture<StatusResponse> call =
        Completions.call(
            out -> m.maintenance.withDeadline(d).status(StatusRequest.getDefaultInstance(), out));
    return call.handle(
        (s, e) -> {
          if (e != null) {
            return StatusAnswer.failed(
                "status: "
                    + EtcdErrors.signal(e).label()
                    + ": "
                    + EtcdErrors.unwrap(e).getMessage());
          }
          long now = nanoTime.getAsLong();
          view.status(m, now, s.getHeader().getMemberId(), s.getLeader(), s.getRaftTerm());
          return new StatusAnswer(
              true,
              s.getHeader().getMemberId(),
              s.getLeader(),
              s.getRaftTerm(),
              s.getRaftIndex(),
              s.getErrorsList());
        });
  }

  private CompletableFuture<ReadAnswer> read(MemberConnection m, Deadline d, long start) {
    MemberHealth health = view.health(m);
    if (health.unreachable()) {
      m.reconnectNow();
    }
    health.begin(start);
    RangeRequest request =
        RangeRequest.newBuilder().setKey(keys.prefixBytes()).setCountOnly(true).build();
    CompletableFuture<RangeResponse> call =
        Completions.call(out -> m.kv.withDeadline(d).range(request, out));
    return call.handle(
        (r, e) -> {
          long now = nanoTime.getAsLong();
          Duration latency = Duration.ofNanos(now - start);
          if (e != null) {
            Signal signal = EtcdErrors.signal(e);
            String message = signal.label() + ": " + EtcdErrors.unwrap(e).getMessage();
            health.failed(now, signal, message);
            if (signal == Signal.STALE_TOKEN) {
              m.invalidateToken();
            }
            return ReadAnswer.failure(latency, signal, message);
          }
          health.succeeded(now, r.getHeader().getMemberId());
          return ReadAnswer.success(
              latency, r.getHeader().getMemberId(), r.getHeader().getRevision());
        });
  }
}
