package org.hybridstore.cp.internal;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.hybridstore.CpConfig;
import org.hybridstore.StoreUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * Opens one {@link MemberConnection} per configured endpoint, with the TLS material loaded once.
 */
final class Connections {
  private Connections() {}

  /**
   * Opens the connections (lazily connecting channels).
   *
   * @param config endpoints, TLS and credentials
   * @param executor where gRPC callbacks run
   * @return one connection per endpoint, in configuration order
   * @throws StoreUnavailableException if the TLS material cannot be loaded
   */
  static List<MemberConnection> open(CpConfig config, Executor executor) {
    SslContext ssl = sslContext(config);
    EtcdAuth auth =
        config.user() != null && config.password() != null
            ? new EtcdAuth(config.user(), config.password(), config.requestTimeout())
            : null;
    List<MemberConnection> out = new ArrayList<>();
    try {
      for (URI endpoint : config.endpoints()) {
        // as with jetcd: TLS material given means TLS to every endpoint (which then say https://)
        out.add(MemberConnection.open(out.size(), endpoint, config, ssl, auth, executor));
      }
    } catch (RuntimeException e) {
      out.forEach(MemberConnection::close);
      throw e;
    }
    return List.copyOf(out);
  }

  private static @Nullable SslContext sslContext(CpConfig config) {
    CpConfig.Tls tls = config.tls();
    if (tls == null) {
      return null;
    }
    try {
      SslContextBuilder b = GrpcSslContexts.forClient().trustManager(tls.caCert().toFile());
      if (tls.clientCert() != null && tls.clientKey() != null) {
        b.keyManager(tls.clientCert().toFile(), tls.clientKey().toFile());
      }
      return b.build();
    } catch (Exception e) {
      throw new StoreUnavailableException(
          "TLS to etcd failed: cannot load the TLS material (CA "
              + tls.caCert()
              + ", client certificate "
              + tls.clientCert()
              + "): "
              + e.getMessage(),
          e);
    }
  }
}
