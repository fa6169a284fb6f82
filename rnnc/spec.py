"""What rnnc's settings are and may be: the one place every module reads them from.

The tutorial's hyperparameters keep the tutorial's names, so that its readers
find them where they expect (rnnc re-exports them: ``rnnc.learning_rate``).
"""

# The tutorial's hyperparameters.
learning_rate = 0.0001
seq_len = 50
max_epochs = 25
hidden_dim = 100
output_dim = 1
bptt_truncate = 5
min_clip_val = -10
max_clip_val = 10

# How the input enters the hidden layer (rnnc.reference states both):
# "per_step", the tutorial's, U (hidden, seq_len) with one weight column per
# step; "shared", the Elman cell's, U (hidden, n_features) for every step.
LAYOUTS = ("per_step", "shared")
ACTIVATIONS = ("sigmoid", "tanh")
OPTIMIZERS = ("sgd", "adam")
# "bptt": exact truncated gradients; "tutorial": the tutorial's own update rule.
BACKPROPS = ("bptt", "tutorial")
# The settings the tutorial's rule is written for: per-record SGD on a sigmoid network.
TUTORIAL_RULE = {"optimizer": "sgd", "activation": "sigmoid", "batch_size": 1}


def off_tutorial_rule(**settings):
    """[(name, value)] of the settings given that the tutorial's rule cannot take."""
    return [(name, value) for name, value in settings.items() if value != TUTORIAL_RULE[name]]


# bptt_truncate as the kernels and model files store it: NO_TRUNCATION for
# None (full backpropagation through time).  Any k at least FULL_BPTT_FROM
# truncates nothing either (it exceeds every sequence length an int64 index
# reaches), so it is stored as NO_TRUNCATION too.
NO_TRUNCATION = -1
FULL_BPTT_FROM = 2**62

# The largest count a kernel or a model file holds: a sequence length, an Adam
# step.  The kernels count in C int64, and a count past this has no meaning.
MAX_COUNT = 2**62


def truncation_code(k):
    """bptt_truncate (None or a count >= 0) as stored: NO_TRUNCATION or k."""
    return NO_TRUNCATION if k is None or k >= FULL_BPTT_FROM else k


def truncation_from_code(code):
    """The inverse of truncation_code: None for NO_TRUNCATION (or any k too
    large to truncate anything)."""
    return None if code == NO_TRUNCATION or code >= FULL_BPTT_FROM else code


def is_per_step(n_input_columns, seq_len, n_features):
    """True when U, with n_input_columns columns, holds one input weight column
    per step of records of seq_len steps of n_features: the per-step layout.

    With one step of one feature both layouts are the same map; it is read as
    the shared one, which accepts sequences of any length later.
    """
    return n_features == 1 and n_input_columns == seq_len and seq_len > 1


# Records per update when the caller leaves it to rnnc (RNNRegressor's
# batch_size="auto"): per-record updates below
# AUTO_BATCH_FROM records (more updates per epoch where an epoch is short),
# batches of AUTO_BATCH_SIZE from there on.  On a noisy two-tone series
# (hidden 32, 20 steps, 20 epochs) batches reached a lower validation error
# than per-record Adam at 1000, 4000 and 16000 records, in 1.0x, 0.6x and
# 0.5x the time (README, the estimator's section).
AUTO_BATCH_FROM = 1000
AUTO_BATCH_SIZE = 32


def auto_batch_size(n_records):
    """The records per update for n_records records (see AUTO_BATCH_FROM)."""
    return 1 if n_records < AUTO_BATCH_FROM else AUTO_BATCH_SIZE
