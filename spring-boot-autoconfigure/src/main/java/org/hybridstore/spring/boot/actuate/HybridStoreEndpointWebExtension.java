package org.hybridstore.spring.boot.actuate;

import java.security.Principal;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * Guards the {@code hybridstore} endpoint's write operations over HTTP: only an authenticated user
 * in the operator role may force a degrade or a reconcile. This is a second lock behind the
 * application's own security (Spring Security rules on {@code /actuator/**}): an application that
 * exposes the endpoint with write access but forgot to secure it still refuses anonymous writes
 * (401), and users without the role (403). Reads are not affected; JMX is secured by the JMX
 * connector's own authentication. Thread-safe.
 */
@EndpointWebExtension(endpoint = HybridStoreEndpoint.class)
public class HybridStoreEndpointWebExtension {
  private final HybridStoreEndpoint endpoint;
  private final String operatorRole;

  /**
   * Creates the extension.
   *
   * @param endpoint the endpoint
   * @param operatorRole the role a user needs for write operations (e.g. {@code
   *     HYBRIDSTORE_OPERATOR}, which Spring Security grants as authority {@code
   *     ROLE_HYBRIDSTORE_OPERATOR}); blank for any authenticated user
   */
  public HybridStoreEndpointWebExtension(HybridStoreEndpoint endpoint, String operatorRole) {
    this.endpoint = endpoint;
    this.operatorRole = operatorRole;
  }

  /**
   * Runs an operator tool if the caller may.
   *
   * @param security the caller
   * @param action {@value HybridStoreEndpoint#FORCE_DEGRADE} or {@value
   *     HybridStoreEndpoint#RECONCILE}
   * @param reason why, for a forced degrade
   * @return 200 with the view, 401 without an authenticated user, 403 without the role
   */
  @WriteOperation
  public WebEndpointResponse<Object> operate(
      SecurityContext security, @Selector String action, @Nullable String reason) {
    Principal user = security.getPrincipal();
    if (user == null) {
      return new WebEndpointResponse<>(
          Map.of(
              "error",
              "unauthorized",
              "message",
              "write operations of the hybridstore endpoint need an authenticated user"),
          401);
    }
    if (!operatorRole.isBlank() && !security.isUserInRole(operatorRole)) {
      return new WebEndpointResponse<>(
          Map.of(
              "error",
              "forbidden",
              "message",
              "write operations of the hybridstore endpoint need role " + operatorRole),
          403);
    }
    return new WebEndpointResponse<>(
        endpoint.operate(action, reason), WebEndpointResponse.STATUS_OK);
  }
}
