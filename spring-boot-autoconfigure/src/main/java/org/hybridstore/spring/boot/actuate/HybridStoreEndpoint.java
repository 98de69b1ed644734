package org.hybridstore.spring.boot.actuate;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import javax.management.MBeanServer;
import org.hybridstore.switchover.HybridOrderStore;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code hybridstore} Actuator endpoint: reads the store's view (the same as its MXBean) and,
 * when explicitly allowed, runs the two operator tools.
 *
 * <ul>
 *   <li>read: {@code GET /actuator/hybridstore} returns a {@link HybridStoreView}.
 *   <li>write: {@code POST /actuator/hybridstore/force-degrade} with {@code {"reason":"..."}}
 *       degrades now and stays degraded (planned etcd maintenance); {@code POST
 *       /actuator/hybridstore/reconcile} ends a forced degrade, returns to STRONG now if etcd
 *       answers, and folds the backlog into etcd.
 * </ul>
 *
 * <p>Access defaults to read-only: the write operations exist only with {@code
 * management.endpoint.hybridstore.access=unrestricted}. Over HTTP they additionally need an
 * authenticated user with the operator role ({@link HybridStoreEndpointWebExtension}); see
 * docs/spring-boot.md. Thread-safe.
 */
@Endpoint(id = "hybridstore", defaultAccess = Access.READ_ONLY)
public class HybridStoreEndpoint {
  /** The write operation that degrades now. */
  public static final String FORCE_DEGRADE = "force-degrade";

  /** The write operation that ends a forced degrade and folds the backlog into etcd. */
  public static final String RECONCILE = "reconcile";

  private final HybridOrderStore store;
  private final Supplier<List<MBeanServer>> servers;

  /**
   * Creates the endpoint.
   *
   * @param store the store
   * @param servers where the store's MXBean may be registered, in order of preference
   */
  public HybridStoreEndpoint(HybridOrderStore store, Supplier<List<MBeanServer>> servers) {
    this.store = store;
    this.servers = servers;
  }

  /** Returns the store's view now. */
  @ReadOperation
  public HybridStoreView view() {
    return HybridStoreView.of(store, servers.get());
  }

  /**
   * Runs an operator tool. The mode changes on the store's switchover thread, so the returned view
   * may still show the mode before.
   *
   * @param action {@value #FORCE_DEGRADE} or {@value #RECONCILE}
   * @param reason why, recorded as the transition reason of a forced degrade
   * @return the store's view after the request
   * @throws InvalidEndpointRequestException for another action (HTTP 400)
   */
  @WriteOperation
  public HybridStoreView operate(@Selector String action, @Nullable String reason) {
    switch (action.toLowerCase(Locale.ROOT)) {
      case FORCE_DEGRADE ->
          store.forceDegrade(
              reason == null || reason.isBlank()
                  ? "forced through the hybridstore endpoint"
                  : reason);
      case RECONCILE -> store.requestReconcile();
      default ->
          throw new InvalidEndpointRequestException(
              "unknown action '" + action + "'; expected " + FORCE_DEGRADE + " or " + RECONCILE,
              "unknown action");
    }
    return view();
  }
}
