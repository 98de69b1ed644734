package org.hybridstore.switchover.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.management.AttributeChangeNotification;
import javax.management.MBeanNotificationInfo;
import javax.management.NotificationBroadcasterSupport;
import org.hybridstore.event.ModeChangedEvent;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.switchover.HybridOrderStoreMXBean;

/**
 * The MXBean implementation: every attribute is read from one immutable {@link StoreSnapshot};
 * operations go to the controller. Sends a notification per mode change.
 */
final class StoreMBean extends NotificationBroadcasterSupport implements HybridOrderStoreMXBean {
  private final Supplier<StoreSnapshot> snapshots;
  private final Consumer<String> forceDegrade;
  private final Runnable requestReconcile;
  private final AtomicLong sequence = new AtomicLong();
  // The notification's source: the ObjectName, which serializes to remote JConsoles (the wrapper
  // registered for descriptions does not replace 'this' with the name as the server would).
  private volatile Object source = this;

  StoreMBean(
      Supplier<StoreSnapshot> snapshots, Consumer<String> forceDegrade, Runnable requestReconcile) {
    super(
        new MBeanNotificationInfo(
            new String[] {AttributeChangeNotification.ATTRIBUTE_CHANGE},
            AttributeChangeNotification.class.getName(),
            "the store's consistency mode changed"));
    this.snapshots = snapshots;
    this.forceDegrade = forceDegrade;
    this.requestReconcile = requestReconcile;
  }

  void setSource(javax.management.ObjectName name) {
    source = name;
  }

  void modeChanged(ModeChangedEvent e) {
    AttributeChangeNotification n =
        new AttributeChangeNotification(
            source,
            sequence.incrementAndGet(),
            e.at().toEpochMilli(),
            e.from() + " -> " + e.to() + " (epoch " + e.epoch() + "): " + e.reason(),
            "Mode",
            "java.lang.String",
            e.from().name(),
            e.to().name());
    sendNotification(n);
  }

  private StoreSnapshot s() {
    return snapshots.get();
  }

  @Override
  public String getName() {
    return s().name();
  }

  @Override
  public String getNodeId() {
    return s().node().value();
  }

  @Override
  public String getMode() {
    return s().mode().phase().mode().name();
  }

  @Override
  public long getEpoch() {
    return s().mode().epoch();
  }

  @Override
  public String getModeSince() {
    return s().mode().since().toString();
  }

  @Override
  public String getLastTransitionReason() {
    return s().mode().reason();
  }

  @Override
  public long getTransitionsTotal() {
    return s().transitions();
  }

  @Override
  public String[] getEtcdMembers() {
    HealthSample probe = s().lastProbe();
    if (probe == null) {
      return new String[0];
    }
    return probe.status().members().stream()
        .map(
            m ->
                m.endpoint()
                    + (m.reachable()
                        ? " id="
                            + Long.toHexString(m.memberId())
                            + " leader="
                            + Long.toHexString(m.leaderId())
                            + " term="
                            + m.raftTerm()
                            + " index="
                            + m.raftIndex()
                            + (m.errors().isEmpty() ? "" : " errors=" + m.errors())
                        : " unreachable"))
        .toArray(String[]::new);
  }

  @Override
  public boolean isLastProbeOk() {
    HealthSample probe = s().lastProbe();
    return probe != null && probe.ok();
  }

  @Override
  public long getProbeLatencyMillis() {
    HealthSample probe = s().lastProbe();
    return probe == null ? -1 : probe.status().readLatency().toMillis();
  }

  @Override
  public String getBreakerState() {
    return s().breakerState();
  }

  @Override
  public int getReconcileBacklog() {
    return s().backlog();
  }

  @Override
  public long getLastReconcileMillis() {
    return s().lastReconcileMillis();
  }

  @Override
  public long getLastConvergenceMillis() {
    return s().lastConvergenceMillis();
  }

  @Override
  public long getMirrorLagRevisions() {
    return s().mirrorLag();
  }

  @Override
  public long getConflictsTotal() {
    return s().conflicts();
  }

  @Override
  public long getProvisionalWritesTotal() {
    return s().provisionalWrites();
  }

  @Override
  public long getStrongWritesTotal() {
    return s().strongWrites();
  }

  @Override
  public long getFallbacksTotal() {
    return s().fallbacks();
  }

  @Override
  public long getLostRacesTotal() {
    return s().lostRaces();
  }

  @Override
  public long getClockSkewRefusals() {
    return s().clockSkewRefusals();
  }

  @Override
  public java.util.Map<String, Long> getPeerDrops() {
    return s().peerDrops();
  }

  @Override
  public long getPeerDropsTotal() {
    return s().peerDrops().values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public String[] getPeers() {
    return s().peers().entrySet().stream()
        .map(e -> e.getKey().value() + "=" + e.getValue().mode() + "@" + e.getValue().epoch())
        .sorted()
        .toArray(String[]::new);
  }

  @Override
  public int getPendingConfirmations() {
    return s().pendingConfirmations();
  }

  @Override
  public long getConfirmationsTotal() {
    return s().confirmations();
  }

  @Override
  public long getConflictsResolvedTotal() {
    return s().conflictsResolved();
  }

  @Override
  public double getConfirmationP99Millis() {
    return s().confirmationP99Millis();
  }

  @Override
  public boolean isJournalWritable() {
    return s().journal().writable();
  }

  @Override
  public String getJournalProblem() {
    LocalBackend.JournalHealth h = s().journal();
    List<String> parts = new ArrayList<>();
    if (!h.problem().isEmpty()) {
      parts.add("cannot write: " + h.problem());
    }
    if (!h.damageAtStart().isEmpty()) {
      parts.add("damaged at start: " + h.damageAtStart() + " (copied to " + h.quarantined() + ")");
    }
    return String.join("; ", parts);
  }

  @Override
  public void forceDegrade(String reason) {
    forceDegrade.accept(reason == null || reason.isBlank() ? "no reason given" : reason);
  }

  @Override
  public void requestReconcile() {
    requestReconcile.run();
  }
}
