package org.hybridstore.switchover;

import org.hybridstore.event.ModeChangedEvent;

/**
 * Receives a store's mode changes, after the new mode is visible through {@link
 * HybridOrderStore#mode()}. Called on the store's switchover thread: return quickly. An exception
 * thrown by a listener is logged and otherwise ignored.
 */
@FunctionalInterface
public interface SwitchoverListener {
  /**
   * Called once per mode change.
   *
   * @param event the change
   */
  void onModeChanged(ModeChangedEvent event);
}
