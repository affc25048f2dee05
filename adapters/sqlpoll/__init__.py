"""SQL table polling: a legacy helpdesk table read by watermark into commands.

``TablePoller`` reads the rows changed since the watermark minus an overlap;
``ChangeApplier`` maps each row's status and sends the commands through a
command sink. The applier, the planner (``changes``), the complaint readers
and the poll state (``checkpoints``) also serve the Open311 client.
"""
