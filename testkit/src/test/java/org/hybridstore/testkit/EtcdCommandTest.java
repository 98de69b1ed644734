package org.hybridstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdCommandTest {

  static EtcdCommand plain(String name) {
    return new EtcdCommand(
        name,
        Path.of("/tmp/data-" + name),
        URI.create("http://127.0.0.1:2379"),
        URI.create("http://127.0.0.1:2380"),
        name + "=http://127.0.0.1:2380",
        "token-1",
        50,
        500,
        true,
        null);
  }

  @Test
  void args_carryEveryFlagInPairs() {
    List<String> args = plain("m0").args();
    assertThat(args)
        .containsSubsequence("--name", "m0")
        .containsSubsequence("--data-dir", "/tmp/data-m0")
        .containsSubsequence("--listen-client-urls", "http://127.0.0.1:2379")
        .containsSubsequence("--advertise-client-urls", "http://127.0.0.1:2379")
        .containsSubsequence("--initial-advertise-peer-urls", "http://127.0.0.1:2380")
        .containsSubsequence("--initial-cluster", "m0=http://127.0.0.1:2380")
        .containsSubsequence("--initial-cluster-token", "token-1")
        .containsSubsequence("--heartbeat-interval", "50")
        .containsSubsequence("--election-timeout", "500")
        .contains("--pre-vote=true")
        .containsSubsequence("--snapshot-count", "10000")
        .doesNotContain("--client-cert-auth=true");
    assertThat(plain("m0").paths()).containsExactly(Path.of("/tmp/data-m0"));
  }

  @Test
  void tls_addsTheServerFilesAndClientCertAuth() {
    EtcdCommand.Tls tls =
        new EtcdCommand.Tls(Path.of("/p/s.pem"), Path.of("/p/s.key"), Path.of("/p/ca.pem"));
    EtcdCommand p = plain("m1");
    EtcdCommand c =
        new EtcdCommand(
            p.name(),
            p.dataDir(),
            p.clientUrl(),
            p.peerUrl(),
            p.initialCluster(),
            p.clusterToken(),
            p.heartbeatMillis(),
            p.electionMillis(),
            p.preVote(),
            tls);
    assertThat(c.args())
        .containsSubsequence("--cert-file", "/p/s.pem")
        .containsSubsequence("--key-file", "/p/s.key")
        .containsSubsequence("--trusted-ca-file", "/p/ca.pem")
        .contains("--client-cert-auth=true");
    assertThat(c.paths()).hasSize(4).contains(Path.of("/p/ca.pem"));
  }

  @Test
  void timing_mustLeaveRoomForAnElection() {
    EtcdCommand p = plain("m2");
    assertThatThrownBy(
            () ->
                new EtcdCommand(
                    "m2",
                    p.dataDir(),
                    p.clientUrl(),
                    p.peerUrl(),
                    p.initialCluster(),
                    "t",
                    500,
                    500,
                    true,
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("heartbeat");
  }

  @Test
  void initialCluster_joinsThePairs() {
    assertThat(EtcdCommand.initialCluster(List.of("a=http://x:1", "b=http://y:2")))
        .isEqualTo("a=http://x:1,b=http://y:2");
  }
}
