package io.fulcrum.scheduler;

/**
 * A backend's role in its group. Backups take new work only while no primary is eligible (up, weight above 0,
 * not ejected, not draining); traffic fails back to the primaries as soon as one is eligible again.
 * Primary/backup groups are an L4 feature ({@link BackendGroup#add} refuses backups in L7 groups).
 */
public enum BackendRole {
    PRIMARY,
    BACKUP
}
