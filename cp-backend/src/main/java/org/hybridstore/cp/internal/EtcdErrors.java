package org.hybridstore.cp.internal;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.security.cert.CertificateException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.OrderStoreException;
import org.hybridstore.StoreUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * The one place that turns jetcd and gRPC failures into the store's exceptions.
 *
 * <p>The question each failure answers is "may the request have been applied?":
 *
 * <ul>
 *   <li><b>Reads</b> change nothing, so every read failure is definite: {@link
 *       StoreUnavailableException}, safe to retry.
 *   <li><b>Writes</b> are definite only when etcd (or the TLS/auth layer before it) refused the
 *       request before applying anything: TLS handshake or certificate failures, authentication and
 *       permission errors, and the gRPC codes etcd uses for requests it rejects up front ({@code
 *       INVALID_ARGUMENT}, {@code NOT_FOUND}, {@code ALREADY_EXISTS}, {@code FAILED_PRECONDITION},
 *       {@code OUT_OF_RANGE} such as "revision has been compacted", {@code UNIMPLEMENTED}, and
 *       {@code RESOURCE_EXHAUSTED} when etcd itself says so). Everything else, in particular {@code
 *       UNAVAILABLE} ("leader changed", "request timed out", "no leader", lost connections), {@code
 *       UNKNOWN} ("context deadline exceeded"), {@code DEADLINE_EXCEEDED}, {@code CANCELLED} and
 *       any exception without a gRPC status, is <em>indeterminate</em>: {@link
 *       IndeterminateWriteException}. A proposal that reached the leader may still commit after the
 *       client gave up (measured here: dependencies.md section 9).
 * </ul>
 *
 * <p>Store exceptions raised by our own code (a rejected command, corrupt data) pass through
 * unchanged. Stateless and thread-safe.
 */
final class EtcdErrors {
  /** Whether a failed request may have been applied. */
  enum Outcome {
    /** Definitely not applied. */
    DEFINITE,
    /** May or may not have been applied. */
    INDETERMINATE
  }

  /** What kind of failure it was, for the message and for tests. */
  enum Kind {
    TLS("TLS to etcd failed (check the CA certificate and the client certificate/key)"),
    AUTH("etcd authentication failed (check user and password, and the user's permissions)"),
    REJECTED("etcd rejected the request"),
    COMPACTED("the requested etcd revision has been compacted"),
    TIMEOUT("etcd did not answer within the deadline"),
    UNAVAILABLE("etcd was unavailable"),
    OTHER("etcd call failed");

    private final String summary;

    Kind(String summary) {
      this.summary = summary;
    }

    String summary() {
      return summary;
    }
  }

  /**
   * The verdict on one failure.
   *
   * @param outcome whether it may have been applied
   * @param kind what kind of failure
   * @param code the gRPC status code found in the failure ({@code UNKNOWN} if none)
   * @param detail the underlying message
   */
  record Verdict(Outcome outcome, Kind kind, Status.Code code, String detail) {}

  /**
   * What a failed call says about the member that returned it (not about the request's outcome,
   * which {@link #classify} decides). The router uses it to decide whether to try another member,
   * and the member view whether the member still serves.
   */
  enum Signal {
    /** The member answered that it has no leader, or the leader changed under the request. */
    NO_LEADER("no leader"),
    /** No answer within the deadline: the member is cut off, paused or slow. */
    TIMEOUT("timeout"),
    /** Nothing answered: connection refused or lost. */
    UNREACHABLE("unreachable"),
    /**
     * etcd no longer accepts the auth token: get a new one and send again (nothing was applied).
     */
    STALE_TOKEN("stale auth token"),
    /** TLS or credentials are wrong: a configuration problem, the same on every member. */
    CONFIG("TLS or authentication"),
    /** etcd answered and refused this request (too large, compacted, ...): the member is fine. */
    REQUEST("request refused"),
    /** Anything else. */
    OTHER("other");

    private final String label;

    Signal(String label) {
      this.label = label;
    }

    /** Returns a short name for logs and counters. */
    String label() {
      return label;
    }

    /** Whether another member (or the same one, for a stale token) may answer differently. */
    boolean retryable() {
      return this != CONFIG && this != REQUEST;
    }

    /** Whether the member answered at all (a sign of life, whatever it said). */
    boolean answered() {
      return this == NO_LEADER || this == STALE_TOKEN || this == REQUEST;
    }
  }

  /**
   * Tells what a failed call says about its member.
   *
   * @param failure the failure (wrappers are removed)
   * @return the signal
   */
  static Signal signal(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof OrderStoreException) {
      return Signal.REQUEST;
    }
    Status status = statusOf(t);
    Status.Code code = status.getCode();
    String description = status.getDescription() == null ? "" : status.getDescription();
    String lower = (description + " " + chainMessages(t)).toLowerCase(Locale.ROOT);
    if (lower.contains("invalid auth token") || lower.contains("revision of auth store is old")) {
      return Signal.STALE_TOKEN;
    }
    Verdict v = classify(t, true);
    switch (v.kind()) {
      case TLS, AUTH:
        return Signal.CONFIG;
      case REJECTED, COMPACTED:
        return Signal.REQUEST;
      default:
        break;
    }
    if (lower.contains("no leader") || lower.contains("leader changed")) {
      return Signal.NO_LEADER;
    }
    if (v.kind() == Kind.TIMEOUT) {
      return Signal.TIMEOUT;
    }
    if (code == Status.Code.UNAVAILABLE) {
      return Signal.UNREACHABLE;
    }
    return Signal.OTHER;
  }

  /** Codes etcd returns for requests it refused before applying them. */
  private static final Set<Status.Code> REFUSED =
      EnumSet.of(
          Status.Code.INVALID_ARGUMENT,
          Status.Code.NOT_FOUND,
          Status.Code.ALREADY_EXISTS,
          Status.Code.FAILED_PRECONDITION,
          Status.Code.OUT_OF_RANGE,
          Status.Code.UNIMPLEMENTED);

  private EtcdErrors() {}

  /**
   * Translates a failed read.
   *
   * @param failure what the future failed with
   * @param what what was read, e.g. the key
   * @return the store exception to fail with
   */
  static OrderStoreException forRead(Throwable failure, String what) {
    Throwable t = unwrap(failure);
    if (t instanceof OrderStoreException own) {
      return own;
    }
    Verdict v = classify(t, false);
    return new StoreUnavailableException(
        v.kind().summary() + ": read of " + what + " failed: " + v.detail(), t);
  }

  /**
   * Translates a failed write.
   *
   * @param failure what the future failed with
   * @param what what was written, e.g. the key
   * @return the store exception to fail with
   */
  static OrderStoreException forWrite(Throwable failure, String what) {
    Throwable t = unwrap(failure);
    if (t instanceof OrderStoreException own) {
      return own;
    }
    Verdict v = classify(t, true);
    if (v.outcome() == Outcome.DEFINITE) {
      return new StoreUnavailableException(
          v.kind().summary() + ": write of " + what + " was not applied: " + v.detail(), t);
    }
    return new IndeterminateWriteException(
        v.kind().summary()
            + ": write of "
            + what
            + " may or may not have been applied: "
            + v.detail(),
        t);
  }

  /**
   * Classifies a failure.
   *
   * @param failure the failure (wrappers are removed)
   * @param write whether the request was a write
   * @return the verdict
   */
  static Verdict classify(Throwable failure, boolean write) {
    Throwable t = unwrap(failure);
    Status status = statusOf(t);
    Status.Code code = status.getCode();
    String description = status.getDescription() == null ? "" : status.getDescription();
    String detail = code + (description.isEmpty() ? "" : " " + description) + describeCause(t);
    String lower = (description + " " + chainMessages(t)).toLowerCase(Locale.ROOT);

    if (isTlsFailure(t)) {
      return new Verdict(Outcome.DEFINITE, Kind.TLS, code, detail);
    }
    if (code == Status.Code.UNAUTHENTICATED
        || code == Status.Code.PERMISSION_DENIED
        || lower.contains("authentication failed")
        || lower.contains("permission denied")
        || lower.contains("invalid auth token")
        || lower.contains("user name is empty")
        || lower.contains("revision of auth store is old")) {
      return new Verdict(Outcome.DEFINITE, Kind.AUTH, code, detail);
    }
    if (lower.contains("has been compacted")) {
      return new Verdict(Outcome.DEFINITE, Kind.COMPACTED, code, detail);
    }
    Outcome writeOutcome;
    Kind kind;
    if (REFUSED.contains(code)) {
      writeOutcome = Outcome.DEFINITE;
      kind = Kind.REJECTED;
    } else if (code == Status.Code.RESOURCE_EXHAUSTED) {
      // etcd's own refusals ("etcdserver: too many requests", "mvcc: database space exceeded")
      // happen before the proposal; a client-side "message larger than max" may come after a
      // commit.
      boolean etcdSaidSo = description.startsWith("etcdserver:") || description.startsWith("mvcc:");
      writeOutcome = etcdSaidSo ? Outcome.DEFINITE : Outcome.INDETERMINATE;
      kind = etcdSaidSo ? Kind.REJECTED : Kind.OTHER;
    } else if (code == Status.Code.DEADLINE_EXCEEDED
        || lower.contains("context deadline exceeded")
        || lower.contains("request timed out")) {
      writeOutcome = Outcome.INDETERMINATE;
      kind = Kind.TIMEOUT;
    } else if (code == Status.Code.UNAVAILABLE) {
      writeOutcome = Outcome.INDETERMINATE;
      kind = Kind.UNAVAILABLE;
    } else {
      writeOutcome = Outcome.INDETERMINATE;
      kind = Kind.OTHER;
    }
    return new Verdict(write ? writeOutcome : Outcome.DEFINITE, kind, code, detail);
  }

  /** Removes {@link CompletionException} and {@link ExecutionException} wrappers. */
  static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof CompletionException || cur instanceof ExecutionException)
        && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }

  private static Status statusOf(Throwable t) {
    Status s = Status.fromThrowable(t);
    if (s.getCode() != Status.Code.UNKNOWN || s.getDescription() != null) {
      return s;
    }
    // jetcd's own exceptions (watch, compaction) carry an ErrorCode named like the gRPC codes.
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof EtcdException e && e.getErrorCode() != null) {
        try {
          return Status.fromCode(Status.Code.valueOf(e.getErrorCode().name()))
              .withDescription(e.getMessage());
        } catch (IllegalArgumentException unknownName) {
          return Status.UNKNOWN.withDescription(e.getMessage());
        }
      }
    }
    return s;
  }

  private static boolean isTlsFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLHandshakeException
          || c instanceof SSLPeerUnverifiedException
          || c instanceof CertificateException
          || c.getClass().getName().equals("io.netty.handler.ssl.NotSslRecordException")) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  private static String chainMessages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    int depth = 0;
    for (Throwable c = t; c != null && depth < 8; c = c.getCause(), depth++) {
      if (c.getMessage() != null) {
        sb.append(c.getMessage()).append(' ');
      }
    }
    return sb.toString();
  }

  private static String describeCause(Throwable t) {
    @Nullable Throwable root = null;
    int depth = 0;
    for (Throwable c = t.getCause(); c != null && depth < 8; c = c.getCause(), depth++) {
      root = c;
    }
    if (root == null) {
      return "";
    }
    return " (caused by "
        + root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage())
        + ")";
  }
}
