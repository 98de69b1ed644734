package org.hybridstore.spring.boot.autoconfigure;

import org.hybridstore.switchover.HybridOrderStore;

/**
 * Adjusts the auto-configured store's builder before the store starts, for what properties do not
 * cover: a clock, an executor for callers' stages, extra listeners. Declare it as a bean; several
 * run in {@link org.springframework.core.annotation.Order @Order}.
 *
 * <pre>{@code
 * @Bean
 * HybridOrderStoreBuilderCustomizer callbackExecutor(Executor applicationTaskExecutor) {
 *   return builder -> builder.executor(applicationTaskExecutor);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface HybridOrderStoreBuilderCustomizer {
  /**
   * Customizes the builder.
   *
   * @param builder the builder, already set up from the {@code hybridstore.*} properties
   */
  void customize(HybridOrderStore.Builder builder);
}
