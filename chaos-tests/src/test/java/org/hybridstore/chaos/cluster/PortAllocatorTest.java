package org.hybridstore.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {

  @Test
  void freePorts_distinctAndBindable() throws IOException {
    int[] ports = PortAllocator.freePorts(20);
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
  void freePorts_zeroAndNegative() {
    assertThat(PortAllocator.freePorts(0)).isEmpty();
    assertThatThrownBy(() -> PortAllocator.freePorts(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
