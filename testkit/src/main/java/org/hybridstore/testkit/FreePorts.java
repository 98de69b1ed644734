package org.hybridstore.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on the loopback address, found by binding port 0. All sockets of one call stay
 * open until every port is known, so one call never returns a port twice; another process can still
 * take a port before the caller binds it, which is rare and shows up as a start failure naming the
 * port.
 */
public final class FreePorts {

  private FreePorts() {}

  /**
   * Returns {@code count} distinct free ports.
   *
   * @param count how many, zero or more
   * @return the ports
   * @throws IllegalArgumentException if {@code count} is negative
   * @throws UncheckedIOException if binding fails
   */
  public static int[] allocate(int count) {
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

  /**
   * Returns one free port.
   *
   * @return the port
   * @throws UncheckedIOException if binding fails
   */
  public static int one() {
    return allocate(1)[0];
  }
}
