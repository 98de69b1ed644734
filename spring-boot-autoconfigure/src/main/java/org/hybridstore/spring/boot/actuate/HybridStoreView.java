package org.hybridstore.spring.boot.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.switchover.HybridOrderStore;
import org.hybridstore.switchover.HybridOrderStoreMXBean;
import org.jspecify.annotations.Nullable;

/**
 * What one store shows an operator: the same view as its JMX MXBean ({@link
 * HybridOrderStoreMXBean}), grouped. Read by the {@code hybridstore} health contributor and the
 * {@code hybridstore} Actuator endpoint.
 *
 * <p>Mode, epoch, backlog, conflicts and the journal's condition come from the store's API; the
 * rest (etcd members, probe, breaker, mirror lag, counters, peers) only the MXBean has, so those
 * components are {@code null} when the store was built without one ({@code mbeanServer(null)}).
 *
 * @param name the store's name
 * @param mode STRONG or DEGRADED
 * @param epoch grows by one with every mode change
 * @param modeSince when the current mode began, ISO-8601
 * @param lastTransitionReason why the last mode change happened
 * @param transitionsTotal mode changes since start
 * @param backlog records that hold writes etcd may not have yet
 * @param mirrorLagRevisions how many etcd revisions the local mirror is behind the last probe
 * @param conflicts how many orders this node has seen with a recorded status conflict
 * @param lastReconcileMillis how long the last reconcile took, -1 if none yet
 * @param lastConvergenceMillis the last convergence window on this node, -1 if none yet
 * @param etcd the last quorum probe, the breaker and each etcd member
 * @param journal the local journal's condition
 * @param writes write counters
 * @param peers live replication peers, node id to {@code MODE@epoch}
 */
public record HybridStoreView(
    String name,
    String mode,
    long epoch,
    @Nullable String modeSince,
    @Nullable String lastTransitionReason,
    @Nullable Long transitionsTotal,
    int backlog,
    @Nullable Long mirrorLagRevisions,
    long conflicts,
    @Nullable Long lastReconcileMillis,
    @Nullable Long lastConvergenceMillis,
    @Nullable Etcd etcd,
    Journal journal,
    @Nullable Writes writes,
    @Nullable Map<String, String> peers) {

  /**
   * etcd as the last probe saw it.
   *
   * @param lastProbeOk whether the last quorum probe (a linearizable read) succeeded
   * @param probeLatencyMillis the last probe's read latency
   * @param breakerState the circuit breaker on etcd writes (CLOSED, OPEN, HALF_OPEN, ...)
   * @param members each member's endpoint to its state ({@code id=.. leader=.. term=.. index=..} or
   *     {@code unreachable}), refreshed at most once per second
   */
  public record Etcd(
      boolean lastProbeOk,
      long probeLatencyMillis,
      String breakerState,
      Map<String, String> members) {}

  /**
   * The local journal's condition ({@link LocalBackend.JournalHealth}).
   *
   * @param writable whether it acknowledges provisional writes now (false after a failed disk write
   *     until it has recovered: degraded writes are then refused, never lost)
   * @param problem why it cannot write; empty when it can
   * @param damageAtStart what its last start found damaged; empty when nothing
   * @param quarantined where the damaged file was copied
   * @param writeFailures failed disk writes since start
   * @param recoveries recoveries from a failed disk write since start
   * @param indexRebuilds rebuilds of the index from the log since start
   */
  public record Journal(
      boolean writable,
      String problem,
      String damageAtStart,
      String quarantined,
      long writeFailures,
      long recoveries,
      long indexRebuilds) {}

  /**
   * Write counters since start.
   *
   * @param strong writes acknowledged as committed in etcd
   * @param provisional writes acknowledged as durable in the local journal
   * @param fallbacks writes that fell back from etcd to the journal in the same call
   * @param clockSkewRefusals peer timestamps refused for being too far ahead
   */
  public record Writes(long strong, long provisional, long fallbacks, long clockSkewRefusals) {}

  /**
   * Reads a store's view now.
   *
   * @param store the store
   * @param servers where its MXBean may be registered, in order of preference
   * @return the view
   */
  public static HybridStoreView of(HybridOrderStore store, List<MBeanServer> servers) {
    LocalBackend.JournalHealth h = store.journalHealth();
    Journal journal =
        new Journal(
            h.writable(),
            h.problem(),
            h.damageAtStart(),
            h.quarantined(),
            h.writeFailures(),
            h.recoveries(),
            h.indexRebuilds());
    HybridOrderStoreMXBean bean = mxBean(store, servers);
    if (bean == null) {
      return new HybridStoreView(
          store.name(),
          store.mode().name(),
          store.epoch(),
          null,
          null,
          null,
          store.backlogSize(),
          null,
          store.conflicts().size(),
          null,
          null,
          null,
          journal,
          null,
          null);
    }
    Etcd etcd =
        new Etcd(
            bean.isLastProbeOk(),
            bean.getProbeLatencyMillis(),
            bean.getBreakerState(),
            members(bean.getEtcdMembers()));
    Writes writes =
        new Writes(
            bean.getStrongWritesTotal(),
            bean.getProvisionalWritesTotal(),
            bean.getFallbacksTotal(),
            bean.getClockSkewRefusals());
    return new HybridStoreView(
        store.name(),
        bean.getMode(),
        bean.getEpoch(),
        bean.getModeSince(),
        bean.getLastTransitionReason(),
        bean.getTransitionsTotal(),
        bean.getReconcileBacklog(),
        bean.getMirrorLagRevisions(),
        bean.getConflictsTotal(),
        bean.getLastReconcileMillis(),
        bean.getLastConvergenceMillis(),
        etcd,
        journal,
        writes,
        peers(bean.getPeers()));
  }

  private static @Nullable HybridOrderStoreMXBean mxBean(
      HybridOrderStore store, List<MBeanServer> servers) {
    ObjectName name = store.objectName().orElse(null);
    if (name == null) {
      return null;
    }
    for (MBeanServer server : servers) {
      if (server.isRegistered(name)) {
        return JMX.newMXBeanProxy(server, name, HybridOrderStoreMXBean.class);
      }
    }
    return null;
  }

  // "http://10.0.0.1:2379 id=.. leader=.. term=.. index=.." or "http://10.0.0.1:2379 unreachable"
  private static Map<String, String> members(String[] lines) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : lines) {
      int space = line.indexOf(' ');
      m.put(
          space < 0 ? line : line.substring(0, space), space < 0 ? "" : line.substring(space + 1));
    }
    return m;
  }

  // "node-2=STRONG@7"
  private static Map<String, String> peers(String[] lines) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : lines) {
      int eq = line.indexOf('=');
      m.put(eq < 0 ? line : line.substring(0, eq), eq < 0 ? "" : line.substring(eq + 1));
    }
    return m;
  }

  /** Returns the details the health contributor shows: the view without counters and peers. */
  Map<String, Object> healthDetails() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mode", mode);
    d.put("epoch", epoch);
    if (modeSince != null) {
      d.put("modeSince", modeSince);
    }
    if (lastTransitionReason != null) {
      d.put("reason", lastTransitionReason);
    }
    d.put("backlog", backlog);
    if (mirrorLagRevisions != null) {
      d.put("mirrorLagRevisions", mirrorLagRevisions);
    }
    d.put("conflicts", conflicts);
    d.put("journal", journal);
    if (etcd != null) {
      d.put("etcd", etcd);
    }
    if (peers != null) {
      d.put("peers", new ArrayList<>(peers.keySet()));
    }
    return d;
  }
}
