package org.hybridstore.spring.boot.actuate;

import java.util.List;
import java.util.function.Supplier;
import javax.management.MBeanServer;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.switchover.HybridOrderStore;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The store's consistency mode as Actuator health, under the name {@code hybridstore}:
 *
 * <table>
 *   <caption>status by mode</caption>
 *   <tr><th>mode</th><th>status</th></tr>
 *   <tr><td>STRONG</td><td>UP (details show any backlog still being folded into etcd)</td></tr>
 *   <tr><td>DEGRADED</td><td>{@link #DEGRADED}, or DOWN when built with {@code degradedAsDown}</td></tr>
 *   <tr><td>DEGRADED with a journal that cannot write</td><td>DOWN: no write can be acknowledged</td></tr>
 * </table>
 *
 * <p>A degraded store still takes writes (acknowledged as provisional), so by default it does not
 * take the application DOWN: restarting or un-routing every node because etcd lost quorum would
 * turn an etcd outage into a service outage. {@code DEGRADED} must be in the health status order to
 * count in the aggregate; the starter puts it there by default (between OUT_OF_SERVICE and UP) and
 * its HTTP status is 200 unless {@code management.endpoint.health.status.http-mapping.DEGRADED}
 * says otherwise.
 *
 * <p>Details: mode, epoch, since when and why, backlog, mirror lag, conflicts, the journal's
 * condition, the last etcd probe with each member's state, and the live peers (see {@link
 * HybridStoreView}). Thread-safe.
 */
public final class HybridStoreHealthIndicator implements HealthIndicator {
  /** The status of a degraded store: etcd has no quorum from this node, writes are provisional. */
  public static final Status DEGRADED =
      new Status(
          "DEGRADED",
          "etcd has no quorum from this node; writes are acknowledged once durable in the local journal and folded "
              + "into etcd when quorum returns");

  private final HybridOrderStore store;
  private final Supplier<List<MBeanServer>> servers;
  private final boolean degradedAsDown;

  /**
   * Creates the indicator.
   *
   * @param store the store
   * @param servers where the store's MXBean may be registered, in order of preference
   * @param degradedAsDown whether a degraded store reports DOWN instead of DEGRADED
   */
  public HybridStoreHealthIndicator(
      HybridOrderStore store, Supplier<List<MBeanServer>> servers, boolean degradedAsDown) {
    this.store = store;
    this.servers = servers;
    this.degradedAsDown = degradedAsDown;
  }

  @Override
  public Health health() {
    HybridStoreView view = HybridStoreView.of(store, servers.get());
    // the status follows the view's mode, so that status and details agree
    Status status =
        switch (ConsistencyMode.valueOf(view.mode())) {
          case STRONG -> Status.UP;
          case DEGRADED -> !view.journal().writable() || degradedAsDown ? Status.DOWN : DEGRADED;
        };
    return Health.status(status).withDetails(view.healthDetails()).build();
  }
}
