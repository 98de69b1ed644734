package org.hybridstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void allocate_distinctAndBindable() throws IOException {
    int[] ports = FreePorts.allocate(20);
    assertThat(ports).hasSize(20);
    assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(20);
    for (int p : ports) {
      assertThat(p).isBetween(1, 65_535);
      try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(p);
      }
    }
  }

  @Test
  void allocate_zeroAndNegative() {
    assertThat(FreePorts.allocate(0)).isEmpty();
    assertThatThrownBy(() -> FreePorts.allocate(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
