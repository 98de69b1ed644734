package org.hybridstore.testkit;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The flags one member of a new etcd cluster runs with, for every fixture here: name, data
 * directory, client and peer URLs, the initial cluster and its token, raft timing and pre-vote, TLS
 * for clients if asked, a snapshot every {@value #SNAPSHOT_COUNT} applied entries, and a zap log at
 * level warn on stderr. The same flags start the member again after a kill, so it comes back as the
 * same member. Immutable.
 *
 * @param name the member's name, unique in the cluster
 * @param dataDir its data directory
 * @param clientUrl the URL it serves clients on (listen and advertise)
 * @param peerUrl the URL it talks raft on (listen and advertise)
 * @param initialCluster every member as {@code name=peerUrl}, comma-separated
 * @param clusterToken unique per cluster, so two clusters on one machine never join each other
 * @param heartbeatMillis raft heartbeat interval
 * @param electionMillis raft election timeout
 * @param preVote whether pre-vote is on
 * @param tls client TLS files, or null for plain HTTP
 */
public record EtcdCommand(
    String name,
    Path dataDir,
    URI clientUrl,
    URI peerUrl,
    String initialCluster,
    String clusterToken,
    long heartbeatMillis,
    long electionMillis,
    boolean preVote,
    @Nullable Tls tls) {

  /**
   * Applied entries between two snapshots: etcd 3.6's default. The 3.4 packaged here defaults to
   * 100,000, and a member killed late in a 30-minute chaos run replays up to that many entries of
   * its log on restart (kill-etcd windows converged 2 s slower late in a run than early).
   */
  public static final int SNAPSHOT_COUNT = 10_000;

  /**
   * Server certificate, key and the CA that client certificates must chain to ({@code
   * --client-cert-auth}).
   *
   * @param cert the server certificate (PEM)
   * @param key its key (PEM)
   * @param trustedCa the CA certificate (PEM)
   */
  public record Tls(Path cert, Path key, Path trustedCa) {
    /** Checks the paths are given. */
    public Tls {
      Objects.requireNonNull(cert, "cert");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(trustedCa, "trustedCa");
    }
  }

  /** Checks the arguments. */
  public EtcdCommand {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(clientUrl, "clientUrl");
    Objects.requireNonNull(peerUrl, "peerUrl");
    Objects.requireNonNull(initialCluster, "initialCluster");
    Objects.requireNonNull(clusterToken, "clusterToken");
    if (heartbeatMillis <= 0 || electionMillis <= heartbeatMillis) {
      throw new IllegalArgumentException(
          "need 0 < heartbeat < election timeout, got "
              + heartbeatMillis
              + " and "
              + electionMillis);
    }
  }

  /**
   * Builds the {@code initialCluster} value from members' names and peer URLs.
   *
   * @param namesToPeerUrls {@code name=peerUrl} pairs in member order
   * @return the comma-separated value
   */
  public static String initialCluster(List<String> namesToPeerUrls) {
    return String.join(",", namesToPeerUrls);
  }

  /**
   * The flags, without the binary.
   *
   * @return the arguments after {@code etcd}
   */
  public List<String> args() {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--name",
                name,
                "--data-dir",
                dataDir.toString(),
                "--listen-client-urls",
                clientUrl.toString(),
                "--advertise-client-urls",
                clientUrl.toString(),
                "--listen-peer-urls",
                peerUrl.toString(),
                "--initial-advertise-peer-urls",
                peerUrl.toString(),
                "--initial-cluster",
                initialCluster,
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                clusterToken,
                "--heartbeat-interval",
                Long.toString(heartbeatMillis),
                "--election-timeout",
                Long.toString(electionMillis),
                "--pre-vote=" + preVote,
                "--snapshot-count",
                Integer.toString(SNAPSHOT_COUNT),
                "--logger",
                "zap",
                "--log-level",
                "warn",
                "--log-outputs",
                "stderr"));
    if (tls != null) {
      args.addAll(
          List.of(
              "--cert-file",
              tls.cert().toString(),
              "--key-file",
              tls.key().toString(),
              "--trusted-ca-file",
              tls.trustedCa().toString(),
              "--client-cert-auth=true"));
    }
    return List.copyOf(args);
  }

  /**
   * The host paths the member reads or writes: its data directory and the TLS files (a container
   * mounts them at the same paths).
   *
   * @return the paths
   */
  public List<Path> paths() {
    List<Path> paths = new ArrayList<>(List.of(dataDir));
    if (tls != null) {
      paths.addAll(List.of(tls.cert(), tls.key(), tls.trustedCa()));
    }
    return List.copyOf(paths);
  }
}
