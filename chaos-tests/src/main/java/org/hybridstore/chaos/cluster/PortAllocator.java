package org.hybridstore.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds free TCP ports on 127.0.0.1 (for the LOOPBACK mode and {@code ./chaos bench}) by binding
 * port 0. All sockets of one call stay open until every port is known, so one call never returns a
 * port twice; another process can still take a port before etcd binds it, which is unlikely and
 * shows up as a start failure with the port in the etcd log.
 */
public final class PortAllocator {

  private PortAllocator() {}

  /**
   * Returns {@code count} distinct free ports.
   *
   * @throws UncheckedIOException if binding fails
   */
  public static int[] freePorts(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot allocate free ports", e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket that was never used does not fail in practice
        }
      }
    }
  }
}
