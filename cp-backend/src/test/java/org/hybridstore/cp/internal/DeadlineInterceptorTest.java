package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Metadata;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The interceptor gives unary calls a deadline and never waits for a connection. No network. */
class DeadlineInterceptorTest {
  private final EtcdClients.DeadlineInterceptor interceptor = new EtcdClients.DeadlineInterceptor(Duration.ofSeconds(2));
  private final AtomicReference<CallOptions> seen = new AtomicReference<>();
  private final Channel channel = new Channel() {
    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      seen.set(options);
      return new NoopCall<>();
    }

    @Override
    public String authority() {
      return "test";
    }
  };

  private static MethodDescriptor<byte[], byte[]> method(MethodType type) {
    MethodDescriptor.Marshaller<byte[]> m = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        return new byte[0];
      }
    };
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type).setFullMethodName("etcdserverpb.KV/Test")
        .setRequestMarshaller(m).setResponseMarshaller(m).build();
  }

  @Test
  void unaryCall_getsDeadlineAndNoWaitForReady() {
    interceptor.interceptCall(method(MethodType.UNARY), CallOptions.DEFAULT.withWaitForReady(), channel);
    assertThat(seen.get().getDeadline()).isNotNull();
    assertThat(seen.get().getDeadline().timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 2000L);
    assertThat(seen.get().isWaitForReady()).isFalse();
  }

  @Test
  void unaryCall_keepsAnEarlierDeadline() {
    Deadline early = Deadline.after(100, TimeUnit.MILLISECONDS);
    interceptor.interceptCall(method(MethodType.UNARY), CallOptions.DEFAULT.withDeadline(early), channel);
    assertThat(seen.get().getDeadline()).isSameAs(early);
  }

  @Test
  void streamingCall_getsNoDeadline() {
    interceptor.interceptCall(method(MethodType.BIDI_STREAMING), CallOptions.DEFAULT, channel);
    assertThat(seen.get().getDeadline()).isNull();
    assertThat(seen.get().isWaitForReady()).isFalse();
  }

  private static final class NoopCall<Q, R> extends ClientCall<Q, R> {
    @Override
    public void start(Listener<R> listener, Metadata headers) {}

    @Override
    public void request(int n) {}

    @Override
    public void cancel(@Nullable String message, @Nullable Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }
}
