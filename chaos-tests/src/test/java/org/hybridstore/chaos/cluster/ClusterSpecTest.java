package org.hybridstore.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSpecTest {

  @Test
  void builder_defaults(@TempDir Path dir) {
    ClusterSpec spec = ClusterSpec.builder().workDir(dir).build();
    assertThat(spec.hosts()).isEqualTo(3);
    assertThat(spec.heartbeatMs()).isEqualTo(50);
    assertThat(spec.electionMs()).isEqualTo(500);
    assertThat(spec.preVote()).isTrue();
    assertThat(spec.mode()).isEqualTo(ClusterSpec.Mode.AUTO);
    assertThat(spec.etcdTimingFlags())
        .isEqualTo("--heartbeat-interval=50 --election-timeout=500 --pre-vote=true");
    assertThat(spec.toBuilder().hosts(5).build())
        .isEqualTo(new ClusterSpec(5, 50, 500, true, dir, ClusterSpec.Mode.AUTO));
  }

  @Test
  void builder_withoutWorkDir_createsATemporaryOne() throws Exception {
    ClusterSpec spec = ClusterSpec.builder().build();
    assertThat(spec.workDir()).isDirectory();
    Files.delete(spec.workDir());
  }

  @Test
  void validation(@TempDir Path dir) {
    assertThatThrownBy(() -> ClusterSpec.builder().workDir(dir).hosts(6).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hosts");
    assertThatThrownBy(() -> ClusterSpec.builder().workDir(dir).hosts(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> ClusterSpec.builder().workDir(dir).heartbeatMs(100).electionMs(400).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("electionMs");
    assertThatThrownBy(() -> ClusterSpec.builder().workDir(dir).heartbeatMs(0).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void host_urlsAndValidation() {
    Host h = new Host(0, "h1", "10.1.2.11", "hs-abcdef-h1", 2379, 2380, new Ports(8080, 4801));
    assertThat(h.etcdClientUrl()).isEqualTo("http://10.1.2.11:2379");
    assertThat(h.etcdPeerUrl()).isEqualTo("http://10.1.2.11:2380");
    assertThat(h.namespace()).contains("hs-abcdef-h1");
    assertThat(new Host(0, "h1", "127.0.0.1", null, 1, 2, new Ports(3, 4)).namespace()).isEmpty();
    assertThatThrownBy(() -> new Ports(80, 80)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Host(0, "h1", "x", null, 0, 2, new Ports(3, 4)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
