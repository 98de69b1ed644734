package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.cp.internal.EtcdErrors.Kind;
import org.hybridstore.cp.internal.EtcdErrors.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The classification table of docs/etcd-backend.md, row by row. */
class EtcdErrorsTest {

  private static StatusRuntimeException grpc(Status status) {
    return status.asRuntimeException();
  }

  static Stream<Arguments> writes() {
    return Stream.of(
        // indeterminate: the proposal may have reached the leader
        Arguments.of(
            "leader changed",
            grpc(Status.UNAVAILABLE.withDescription("etcdserver: leader changed")),
            Outcome.INDETERMINATE,
            Kind.UNAVAILABLE),
        Arguments.of(
            "server request timeout",
            grpc(Status.UNAVAILABLE.withDescription("etcdserver: request timed out")),
            Outcome.INDETERMINATE,
            Kind.TIMEOUT),
        Arguments.of(
            "no leader (hasleader header)",
            grpc(Status.UNAVAILABLE.withDescription("etcdserver: no leader")),
            Outcome.INDETERMINATE,
            Kind.UNAVAILABLE),
        Arguments.of(
            "context deadline exceeded",
            grpc(Status.UNKNOWN.withDescription("context deadline exceeded")),
            Outcome.INDETERMINATE,
            Kind.TIMEOUT),
        Arguments.of(
            "client deadline",
            grpc(Status.DEADLINE_EXCEEDED.withDescription("CallOptions deadline exceeded")),
            Outcome.INDETERMINATE,
            Kind.TIMEOUT),
        Arguments.of(
            "connection refused",
            grpc(
                Status.UNAVAILABLE
                    .withDescription("io exception")
                    .withCause(new ConnectException("Connection refused"))),
            Outcome.INDETERMINATE,
            Kind.UNAVAILABLE),
        Arguments.of(
            "network closed",
            grpc(Status.UNAVAILABLE.withDescription("Network closed for unknown reason")),
            Outcome.INDETERMINATE,
            Kind.UNAVAILABLE),
        Arguments.of("cancelled", grpc(Status.CANCELLED), Outcome.INDETERMINATE, Kind.OTHER),
        Arguments.of(
            "internal",
            grpc(Status.INTERNAL.withDescription("boom")),
            Outcome.INDETERMINATE,
            Kind.OTHER),
        Arguments.of(
            "client-side size limit",
            grpc(
                Status.RESOURCE_EXHAUSTED.withDescription(
                    "gRPC message exceeds maximum size 4194304")),
            Outcome.INDETERMINATE,
            Kind.OTHER),
        Arguments.of(
            "no gRPC status at all",
            new IllegalStateException("unexpected"),
            Outcome.INDETERMINATE,
            Kind.OTHER),
        // definite: refused before anything was applied
        Arguments.of(
            "TLS handshake",
            grpc(
                Status.UNAVAILABLE
                    .withDescription("ssl exception")
                    .withCause(new SSLHandshakeException("PKIX path building failed"))),
            Outcome.DEFINITE,
            Kind.TLS),
        Arguments.of(
            "wrong password",
            grpc(
                Status.UNAUTHENTICATED.withCause(
                    grpc(
                        Status.INVALID_ARGUMENT.withDescription(
                            "etcdserver: authentication failed, invalid user ID or password")))),
            Outcome.DEFINITE,
            Kind.AUTH),
        Arguments.of(
            "no user",
            grpc(Status.INVALID_ARGUMENT.withDescription("etcdserver: user name is empty")),
            Outcome.DEFINITE,
            Kind.AUTH),
        Arguments.of(
            "permission denied",
            grpc(Status.PERMISSION_DENIED.withDescription("etcdserver: permission denied")),
            Outcome.DEFINITE,
            Kind.AUTH),
        Arguments.of(
            "compacted",
            grpc(
                Status.OUT_OF_RANGE.withDescription(
                    "etcdserver: mvcc: required revision has been compacted")),
            Outcome.DEFINITE,
            Kind.COMPACTED),
        Arguments.of(
            "jetcd compacted exception",
            EtcdExceptionFactory.newCompactedException(42),
            Outcome.DEFINITE,
            Kind.COMPACTED),
        Arguments.of(
            "not found",
            grpc(Status.NOT_FOUND.withDescription("etcdserver: requested lease not found")),
            Outcome.DEFINITE,
            Kind.REJECTED),
        Arguments.of(
            "too many ops",
            grpc(
                Status.INVALID_ARGUMENT.withDescription(
                    "etcdserver: too many operations in txn request")),
            Outcome.DEFINITE,
            Kind.REJECTED),
        Arguments.of(
            "request too large",
            grpc(Status.INVALID_ARGUMENT.withDescription("etcdserver: request is too large")),
            Outcome.DEFINITE,
            Kind.REJECTED),
        Arguments.of(
            "space quota",
            grpc(
                Status.RESOURCE_EXHAUSTED.withDescription(
                    "etcdserver: mvcc: database space exceeded")),
            Outcome.DEFINITE,
            Kind.REJECTED),
        Arguments.of(
            "too many requests",
            grpc(Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: too many requests")),
            Outcome.DEFINITE,
            Kind.REJECTED),
        Arguments.of(
            "failed precondition",
            grpc(Status.FAILED_PRECONDITION.withDescription("x")),
            Outcome.DEFINITE,
            Kind.REJECTED));
  }

  @ParameterizedTest(name = "write, {0} -> {2} {3}")
  @MethodSource("writes")
  void classify_write(String name, Throwable failure, Outcome outcome, Kind kind) {
    EtcdErrors.Verdict v = EtcdErrors.classify(failure, true);
    assertThat(v.outcome()).isEqualTo(outcome);
    assertThat(v.kind()).isEqualTo(kind);
    OrderStoreException e = EtcdErrors.forWrite(failure, "/p/o-1");
    assertThat(e)
        .isInstanceOf(
            outcome == Outcome.DEFINITE
                ? StoreUnavailableException.class
                : IndeterminateWriteException.class);
    assertThat(e).hasMessageContaining("/p/o-1").hasMessageContaining(kind.summary());
    assertThat(e.getCause()).isSameAs(failure);
  }

  @ParameterizedTest(name = "read, {0} -> definite")
  @MethodSource("writes")
  void classify_read_alwaysDefinite(String name, Throwable failure, Outcome ignored, Kind kind) {
    assertThat(EtcdErrors.classify(failure, false).outcome()).isEqualTo(Outcome.DEFINITE);
    assertThat(EtcdErrors.classify(failure, false).kind()).isEqualTo(kind);
    assertThat(EtcdErrors.forRead(failure, "/p/o-1"))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("/p/o-1");
  }

  @Test
  void forWrite_wrappedFailure_isUnwrapped() {
    StatusRuntimeException cause =
        grpc(Status.UNAVAILABLE.withDescription("etcdserver: leader changed"));
    OrderStoreException e =
        EtcdErrors.forWrite(new CompletionException(new ExecutionException(cause)), "/p/o-1");
    assertThat(e).isInstanceOf(IndeterminateWriteException.class).hasCause(cause);
  }

  @Test
  void forWriteAndRead_storeExceptions_passThroughUnchanged() {
    CommandRejectedException rejected =
        new CommandRejectedException(
            CommandRejectedException.Reason.NOT_FOUND, OrderId.of("o-1"), "no such order");
    CorruptDataException corrupt = new CorruptDataException("etcd key /p/o-1: not JSON");
    assertThat(EtcdErrors.forWrite(new CompletionException(rejected), "/p/o-1")).isSameAs(rejected);
    assertThat(EtcdErrors.forRead(corrupt, "/p/o-1")).isSameAs(corrupt);
  }
}
