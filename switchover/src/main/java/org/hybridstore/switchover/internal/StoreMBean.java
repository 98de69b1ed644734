package org.hybridstore.switchover.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.AttributeChangeNotification;
import javax.management.MBeanNotificationInfo;
import javax.management.NotificationBroadcasterSupport;
import org.hybridstore.event.ModeChangedEvent;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.switchover.HybridOrderStoreMXBean;

/** The MXBean implementation: reads the runtime's state, sends a notification per mode change. */
final class StoreMBean extends NotificationBroadcasterSupport implements HybridOrderStoreMXBean {
  private final StoreRuntime runtime;
  private final AtomicLong sequence = new AtomicLong();
  // The notification's source: the ObjectName, which serializes to remote JConsoles (the wrapper
  // registered for descriptions does not replace 'this' with the name as the server would).
  private volatile Object source = this;

  StoreMBean(StoreRuntime runtime) {
    super(new MBeanNotificationInfo(new String[] {AttributeChangeNotification.ATTRIBUTE_CHANGE},
        AttributeChangeNotification.class.getName(), "the store's consistency mode changed"));
    this.runtime = runtime;
  }

  void setSource(javax.management.ObjectName name) {
    source = name;
  }

  void modeChanged(ModeChangedEvent e) {
    AttributeChangeNotification n = new AttributeChangeNotification(source, sequence.incrementAndGet(),
        e.at().toEpochMilli(), e.from() + " -> " + e.to() + " (epoch " + e.epoch() + "): " + e.reason(), "Mode",
        "java.lang.String", e.from().name(), e.to().name());
    sendNotification(n);
  }

  @Override
  public String getName() {
    return runtime.name();
  }

  @Override
  public String getNodeId() {
    return runtime.node().value();
  }

  @Override
  public String getMode() {
    return runtime.controller().mode().phase().mode().name();
  }

  @Override
  public long getEpoch() {
    return runtime.controller().mode().epoch();
  }

  @Override
  public String getModeSince() {
    return runtime.controller().mode().since().toString();
  }

  @Override
  public String getLastTransitionReason() {
    return runtime.controller().mode().reason();
  }

  @Override
  public long getTransitionsTotal() {
    return runtime.controller().transitions();
  }

  @Override
  public String[] getEtcdMembers() {
    HealthSample s = runtime.health().last();
    if (s == null) {
      return new String[0];
    }
    return s.status().members().stream()
        .map(m -> m.endpoint() + (m.reachable()
            ? " id=" + Long.toHexString(m.memberId()) + " leader=" + Long.toHexString(m.leaderId())
                + " term=" + m.raftTerm() + " index=" + m.raftIndex() + (m.errors().isEmpty() ? "" : " errors=" + m.errors())
            : " unreachable"))
        .toArray(String[]::new);
  }

  @Override
  public boolean isLastProbeOk() {
    HealthSample s = runtime.health().last();
    return s != null && s.ok();
  }

  @Override
  public long getProbeLatencyMillis() {
    HealthSample s = runtime.health().last();
    return s == null ? -1 : s.status().readLatency().toMillis();
  }

  @Override
  public String getBreakerState() {
    return runtime.breaker().getState().name();
  }

  @Override
  public int getReconcileBacklog() {
    return runtime.local().backlogSize();
  }

  @Override
  public long getLastReconcileMillis() {
    return runtime.controller().lastReconcileMillis();
  }

  @Override
  public long getLastConvergenceMillis() {
    return runtime.controller().lastConvergenceMillis();
  }

  @Override
  public long getMirrorLagRevisions() {
    return runtime.mirrorLag();
  }

  @Override
  public long getConflictsTotal() {
    return runtime.conflictTracker().count();
  }

  @Override
  public long getProvisionalWritesTotal() {
    return runtime.metrics().provisionalWrites();
  }

  @Override
  public long getStrongWritesTotal() {
    return runtime.metrics().strongWrites();
  }

  @Override
  public long getFallbacksTotal() {
    return runtime.metrics().fallbacks();
  }

  @Override
  public long getClockSkewRefusals() {
    return runtime.clock().refusedStamps();
  }

  @Override
  public String[] getPeers() {
    return runtime.local().peers().entrySet().stream()
        .map(e -> e.getKey().value() + "=" + e.getValue().mode() + "@" + e.getValue().epoch())
        .sorted().toArray(String[]::new);
  }

  @Override
  public void forceDegrade(String reason) {
    runtime.controller().forceDegrade(reason == null || reason.isBlank() ? "no reason given" : reason);
  }

  @Override
  public void requestReconcile() {
    runtime.controller().requestReconcile();
  }


  @Override
  public boolean isJournalWritable() {
    return runtime.journalHealth().writable();
  }

  @Override
  public String getJournalProblem() {
    LocalBackend.JournalHealth h = runtime.journalHealth();
    List<String> parts = new ArrayList<>();
    if (!h.problem().isEmpty()) {
      parts.add("cannot write: " + h.problem());
    }
    if (!h.damageAtStart().isEmpty()) {
      parts.add("damaged at start: " + h.damageAtStart() + " (copied to " + h.quarantined() + ")");
    }
    return String.join("; ", parts);
  }
}
