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

  /** Probes every member and builds the sample. */
  CompletableFuture<QuorumStatus> probe(Duration deadline) {
    lastProbe = nanoTime.getAsLong();
    List<CompletableFuture<Probed>> all = new ArrayList<>();
    for (MemberConnection m : view.connections()) {
      all.add(member(m, deadline));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .handle(
            (v, e) -> {
              List<MemberStatus> members = new ArrayList<>();
              long revision = 0;
              for (CompletableFuture<Probed> f : all) {
                Probed p = f.join();
                members.add(p.status());
                revision = Math.max(revision, p.revision());
              }
              return QuorumRule.decide(members, deadline, revision);
            });
  }

  /** Returns when the last full probe started ({@code System.nanoTime()}, 0 if never). */
  long lastProbe() {
    return lastProbe;
  }

  /** Probes one member; never fails. */
  CompletableFuture<Probed> member(MemberConnection m, Duration deadline) {
    long start = nanoTime.getAsLong();
    Deadline d = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
    CompletableFuture<StatusAnswer> status = status(m, d);
    CompletableFuture<ReadAnswer> read = read(m, d, start);
    return status.thenCombine(
        read, (s, r) -> new Probed(QuorumRule.member(m.endpoint, s, r), r.revision()));
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
