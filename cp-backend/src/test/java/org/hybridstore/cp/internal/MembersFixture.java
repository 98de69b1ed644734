package org.hybridstore.cp.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.hybridstore.CpConfig;

/**
 * Member connections for unit tests: channels to ports nobody listens on, which the tests never use
 * (their calls are answered by the test's own {@code Router.Rpc}); gRPC connects lazily, so nothing
 * touches the network.
 */
final class MembersFixture implements AutoCloseable {
  final List<MemberConnection> connections = new ArrayList<>();

  MembersFixture(int n) {
    List<URI> endpoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      endpoints.add(URI.create("http://127.0.0.1:" + (1 + i)));
    }
    CpConfig config = CpConfig.builder().endpoints(endpoints).build();
    for (int i = 0; i < n; i++) {
      connections.add(
          MemberConnection.open(i, endpoints.get(i), config, null, null, Runnable::run));
    }
  }

  @Override
  public void close() {
    connections.forEach(MemberConnection::close);
  }
}
