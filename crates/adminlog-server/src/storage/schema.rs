//! Diesel's view of the tables; the SQL lives in `migrations/<backend>/`.

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        name -> Text,
        plan -> Text,
        created_at -> BigInt,
        last_event_id -> BigInt,
        last_term_id -> BigInt,
        chain_head -> Nullable<Binary>,
        last_admin_id -> BigInt,
        last_key_id -> BigInt,
        last_stream_id -> BigInt,
    }
}

diesel::table! {
    administrators (org_id, id) {
        org_id -> BigInt,
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    admin_directory (email, org_id) {
        email -> Text,
        org_id -> BigInt,
        admin_id -> BigInt,
    }
}

diesel::table! {
    api_keys (org_id, id) {
        org_id -> BigInt,
        id -> BigInt,
        name -> Text,
        scopes -> Text,
        secret_hash -> Binary,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    revoked_tokens (org_id, jti) {
        org_id -> BigInt,
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    login_attempts (scope) {
        scope -> Text,
        window_start -> BigInt,
        attempts -> BigInt,
    }
}

diesel::table! {
    terms (org_id, id) {
        org_id -> BigInt,
        id -> BigInt,
        value -> Text,
        folded -> Text,
        kind -> Nullable<SmallInt>,
    }
}

diesel::table! {
    events (org_id, id) {
        org_id -> BigInt,
        id -> BigInt,
        ts -> BigInt,
        action -> SmallInt,
        source -> SmallInt,
        admin_term -> Nullable<BigInt>,
        user_email_term -> Nullable<BigInt>,
        user_name_term -> Nullable<BigInt>,
        domain_term -> Nullable<BigInt>,
        client_event_id -> Nullable<Text>,
        received_at -> BigInt,
        hash -> Binary,
        recorder -> Nullable<SmallInt>,
        recorder_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    checkpoints (id) {
        id -> BigInt,
        org_id -> BigInt,
        last_event_id -> BigInt,
        head -> Text,
        signed_at -> Text,
        public_key -> Text,
        signature -> Text,
    }
}

diesel::table! {
    streams (org_id, id) {
        org_id -> BigInt,
        id -> BigInt,
        url -> Text,
        actions -> Text,
        keyword -> Nullable<Text>,
        signing -> Text,
        key_salt -> Binary,
        created_at -> BigInt,
    }
}

diesel::table! {
    stream_states (org_id, id) {
        org_id -> BigInt,
        id -> BigInt,
        paused -> Bool,
        disabled_at -> Nullable<BigInt>,
        delivered_through -> BigInt,
        batch_through -> Nullable<BigInt>,
        generation -> BigInt,
        failures -> BigInt,
        next_attempt_at -> BigInt,
        last_attempt_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    event_counts_by_hour (org_id, hour, action) {
        org_id -> BigInt,
        hour -> BigInt,
        action -> SmallInt,
        events -> BigInt,
    }
}

diesel::table! {
    event_counts_by_day (org_id, day, action) {
        org_id -> BigInt,
        day -> BigInt,
        action -> SmallInt,
        events -> BigInt,
    }
}

diesel::table! {
    saved_views (org_id, admin_id, id) {
        org_id -> BigInt,
        admin_id -> BigInt,
        id -> BigInt,
        name -> Text,
        query -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(administrators -> organizations (org_id));
diesel::joinable!(api_keys -> organizations (org_id));
diesel::allow_tables_to_appear_in_same_query!(organizations, administrators, api_keys, revoked_tokens);
diesel::allow_tables_to_appear_in_same_query!(streams, stream_states, organizations);
