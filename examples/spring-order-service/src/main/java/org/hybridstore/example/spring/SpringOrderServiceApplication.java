package org.hybridstore.example.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An order service on the HybridStore Spring Boot starter. Everything about the store comes from
 * {@code application.yml}: the starter builds the {@link
 * org.hybridstore.switchover.HybridOrderStore}, puts its mode in {@code /actuator/health} and its
 * meters in {@code /actuator/metrics}, and closes it after the web server has drained on shutdown.
 */
@SpringBootApplication
public class SpringOrderServiceApplication {
  /** Created by Spring. */
  SpringOrderServiceApplication() {}

  /**
   * Runs the service.
   *
   * @param args Spring Boot arguments, e.g. {@code --hybridstore.node-id=node-2}
   */
  public static void main(String[] args) {
    SpringApplication.run(SpringOrderServiceApplication.class, args);
  }
}
